/* Just enough JSON output for testinit: strings escaped per RFC 8259, written to stdout. */
#ifndef BERTH_TESTINIT_JSON_H
#define BERTH_TESTINIT_JSON_H

/* Writes s as a quoted JSON string. Valid UTF-8 passes through; control characters, '"' and '\\' are
 * escaped, and each byte of an invalid UTF-8 sequence becomes \u00XX so the output is always valid. */
void json_string(const char *s);
/* Writes `"key":` (key is trusted: letters, digits, underscores). */
void json_key(const char *key);

#endif

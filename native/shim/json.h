/* JSON reading and escaping for the shim (json.c). */
#ifndef BERTH_SHIM_JSON_H
#define BERTH_SHIM_JSON_H

#include <stddef.h>

/* The string value of "key" in a one-line JSON object, unescaped into out (NUL-terminated, truncated to
 * size). 0, or -1 when the field is missing or not a string. Whitespace around ':' is allowed. */
int json_string_field(const char *line, const char *key, char *out, size_t size);

/* JSON string escaping as Docker's json-file writes it (Go's HTML-safe encoder: <, > and & as \u003c..., tab as \u0009,
 * invalid UTF-8 as \ufffd, U+2028/U+2029 escaped). out needs 6 * n bytes. Returns the bytes written. */
size_t json_escape(char *out, const char *in, size_t n);

#endif

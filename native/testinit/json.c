/* JSON string output. Paths, environment values and hostnames are bytes, not text: anything that is not
 * valid UTF-8 is escaped byte by byte rather than passed through as broken JSON. */
#include "json.h"

#include <stdio.h>

/* Length of the valid UTF-8 sequence at s (2..4), or 0 when s does not start one (RFC 3629 table:
 * no overlong forms, no surrogates, nothing above U+10FFFF). */
static int utf8_sequence(const unsigned char *s)
{
  unsigned char c = s[0];
  unsigned char lo = 0x80, hi = 0xbf;
  int n;
  if (c >= 0xc2 && c <= 0xdf)
    n = 2;
  else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0)
      lo = 0xa0; /* overlong */
    if (c == 0xed)
      hi = 0x9f; /* surrogates */
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0)
      lo = 0x90; /* overlong */
    if (c == 0xf4)
      hi = 0x8f; /* above U+10FFFF */
  } else
    return 0;
  if (s[1] < lo || s[1] > hi)
    return 0;
  for (int i = 2; i < n; i++)
    if (s[i] < 0x80 || s[i] > 0xbf)
      return 0;
  return n;
}

void json_string(const char *str)
{
  const unsigned char *s = (const unsigned char *)str;
  putchar('"');
  while (*s) {
    unsigned char c = *s;
    if (c == '"' || c == '\\') {
      putchar('\\');
      putchar(c);
    } else if (c == '\n')
      fputs("\\n", stdout);
    else if (c == '\t')
      fputs("\\t", stdout);
    else if (c == '\r')
      fputs("\\r", stdout);
    else if (c < 0x20)
      printf("\\u%04x", c);
    else if (c < 0x80)
      putchar(c);
    else {
      int n = utf8_sequence(s); /* stops at the NUL: a NUL is never a continuation byte */
      if (n == 0)
        printf("\\u%04x", c);
      else
        fwrite(s, 1, (size_t)n, stdout);
      s += n ? n : 1;
      continue;
    }
    s++;
  }
  putchar('"');
}

void json_key(const char *key)
{
  printf("\"%s\":", key);
}

/* The little JSON the shim reads: a string field of one object on one line (berth-init's sync line, an
 * OCI runtime's --log line), and the escaping it writes (json-file log records, Docker's rules). */
#include "json.h"

#include <stdint.h>
#include <string.h>

static const char *skip_ws(const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

static int hex4(const char *p, unsigned *out)
{
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f')
      v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F')
      v |= (unsigned)(c - 'A' + 10);
    else
      return -1;
  }
  *out = v;
  return 0;
}

static size_t put_utf8(char *out, unsigned cp)
{
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xc0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xe0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  out[0] = (char)(0xf0 | cp >> 18);
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  out[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* Unescapes the string starting after its opening quote into out (NUL-terminated, truncated to size). */
static int unescape(const char *p, char *out, size_t size)
{
  size_t n = 0;
  while (*p && *p != '"') {
    char tmp[4];
    size_t k = 1;
    if (*p != '\\') {
      tmp[0] = *p++;
    } else {
      p++;
      switch (*p) {
      case 'n': tmp[0] = '\n'; break;
      case 't': tmp[0] = '\t'; break;
      case 'r': tmp[0] = '\r'; break;
      case 'b': tmp[0] = '\b'; break;
      case 'f': tmp[0] = '\f'; break;
      case '"': case '\\': case '/': tmp[0] = *p; break;
      case 'u': {
        unsigned cp, lo;
        if (hex4(p + 1, &cp) < 0)
          return -1;
        p += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && p[1] == '\\' && p[2] == 'u' && hex4(p + 3, &lo) == 0 && lo >= 0xdc00 &&
            lo < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          p += 6;
        }
        k = put_utf8(tmp, cp);
        break;
      }
      default:
        return -1;
      }
      p++;
    }
    if (n + k < size) {
      memcpy(out + n, tmp, k);
      n += k;
    }
  }
  if (*p != '"')
    return -1;
  out[n] = '\0';
  return 0;
}

int json_string_field(const char *line, const char *key, char *out, size_t size)
{
  size_t klen = strlen(key);
  for (const char *p = strchr(line, '"'); p; p = strchr(p + 1, '"')) {
    if (strncmp(p + 1, key, klen) != 0 || p[1 + klen] != '"')
      continue;
    const char *v = skip_ws(p + 2 + klen);
    if (*v != ':')
      continue;
    v = skip_ws(v + 1);
    if (*v != '"')
      return -1;
    return unescape(v + 1, out, size);
  }
  return -1;
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 when it is not one (RFC 3629). */
static size_t utf8_len(const unsigned char *p, size_t n)
{
  unsigned c = p[0];
  size_t len;
  unsigned min;
  if (c < 0x80)
    return 1;
  if (c >= 0xc2 && c <= 0xdf)
    len = 2, min = 0x80;
  else if (c >= 0xe0 && c <= 0xef)
    len = 3, min = 0x800;
  else if (c >= 0xf0 && c <= 0xf4)
    len = 4, min = 0x10000;
  else
    return 0;
  if (n < len)
    return 0;
  unsigned cp = c & (0x7f >> len);
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xc0) != 0x80)
      return 0;
    cp = cp << 6 | (p[i] & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
    return 0;
  return len;
}

size_t json_escape(char *out, const char *in, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  const unsigned char *p = (const unsigned char *)in;
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    unsigned c = p[i];
    if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
      out[o++] = (char)c;
      i++;
      continue;
    }
    if (c == '"' || c == '\\') {
      out[o++] = '\\';
      out[o++] = (char)c;
      i++;
      continue;
    }
    if (c == '\n' || c == '\r') {
      out[o++] = '\\';
      out[o++] = c == '\n' ? 'n' : 'r';
      i++;
      continue;
    }
    if (c < 0x80) { /* other control characters (tab too), and <>& as Go's HTML-safe encoder writes them */
      memcpy(out + o, "\\u00", 4);
      out[o + 4] = hex[c >> 4];
      out[o + 5] = hex[c & 15];
      o += 6;
      i++;
      continue;
    }
    size_t len = utf8_len(p + i, n - i);
    if (len == 0) { /* invalid UTF-8: one replacement character per bad byte, as Docker's encoder */
      memcpy(out + o, "\\ufffd", 6);
      o += 6;
      i++;
      continue;
    }
    if (len == 3 && p[i] == 0xe2 && p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
      memcpy(out + o, p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6); /* JavaScript line separators */
      o += 6;
      i += 3;
      continue;
    }
    memcpy(out + o, p + i, len);
    o += len;
    i += len;
  }
  return o;
}

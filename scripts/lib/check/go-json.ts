// The syntax error Go's encoding/json gives for a body that is not JSON, worded as Go words it: Infinity's
// backend reads every answer with json.Unmarshal, and its error text is what a panel shows ("invalid
// character '<' looking for beginning of value"). The checks follow the states of Go's scanner
// (src/encoding/json/scanner.go), which json.Unmarshal runs over the whole body before decoding: the first
// byte no state accepts is the error, and a body that stops inside a value is "unexpected end of JSON input".

type Context = "object key" | "object value" | "array value";

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** Go's quoteChar: the byte in single quotes, escaped as strconv.Quote escapes the rune of that byte. */
export function goQuoteChar(c: number): string {
  if (c === 0x27) return "'\\''";
  if (c === 0x22) return "'\"'";
  const named: Record<number, string> = { 0x07: "\\a", 0x08: "\\b", 0x0c: "\\f", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t", 0x0b: "\\v", 0x5c: "\\\\" };
  if (named[c]) return `'${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, "0")}'`;
  // a byte of 0x80 and above is the rune U+0080..U+00FF: printable from U+00A1, except the soft hyphen
  if ((c >= 0x80 && c <= 0xa0) || c === 0xad) return `'\\u00${c.toString(16).padStart(2, "0")}'`;
  return `'${String.fromCharCode(c)}'`;
}

/** Go's json.Unmarshal syntax error for these bytes, or undefined when they are valid JSON. */
export function goJsonSyntaxError(bytes: Uint8Array): string | undefined {
  const stack: Context[] = [];
  let i = 0;
  // At the end of the body Go's scanner is given one more space: inside a literal, a number or an escape
  // that space is the error, elsewhere the body simply ended
  const fail = (context: string) => `invalid character ${goQuoteChar(i < bytes.length ? bytes[i]! : 0x20)} ${context}`;
  const skipSpace = () => {
    while (i < bytes.length && isSpace(bytes[i]!)) i++;
  };
  const END = "unexpected end of JSON input";

  // One value at i; returns an error or undefined with i after the value.
  const literal = (word: string, name: string): string | undefined => {
    for (let k = 1; k < word.length; k++) {
      i++;
      if (bytes[i] !== word.charCodeAt(k)) return fail(`in literal ${name} (expecting '${word[k]}')`);
    }
    i++;
    return undefined;
  };
  const string = (): string | undefined => {
    i++;
    while (i < bytes.length) {
      const c = bytes[i]!;
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c === 0x5c) {
        i++;
        const e = i < bytes.length ? bytes[i]! : 0x20;
        if (e === 0x75) {
          for (let k = 0; k < 4; k++) {
            i++;
            if (i >= bytes.length || !isHex(bytes[i]!)) return fail("in \\u hexadecimal character escape");
          }
        } else if (!"bfnrt\\/\"".includes(String.fromCharCode(e))) {
          return fail("in string escape code");
        }
      } else if (c < 0x20) {
        return fail("in string literal");
      }
      i++;
    }
    return END;
  };
  const digits = () => {
    while (i < bytes.length && isDigit(bytes[i]!)) i++;
  };
  const number = (): string | undefined => {
    if (bytes[i] === 0x2d) {
      i++;
      if (i >= bytes.length || !isDigit(bytes[i]!)) return fail("in numeric literal");
    }
    if (bytes[i] === 0x30) i++;
    else digits();
    if (bytes[i] === 0x2e) {
      i++;
      if (i >= bytes.length || !isDigit(bytes[i]!)) return fail("after decimal point in numeric literal");
      digits();
    }
    if (bytes[i] === 0x65 || bytes[i] === 0x45) {
      i++;
      if (bytes[i] === 0x2b || bytes[i] === 0x2d) i++;
      if (i >= bytes.length || !isDigit(bytes[i]!)) return fail("in exponent of numeric literal");
      digits();
    }
    return undefined;
  };

  // stateBeginValue and the states after each value, iteratively (the nesting is the stack)
  let expectValue = true;
  for (;;) {
    skipSpace();
    if (i >= bytes.length) return stack.length || expectValue ? END : undefined;
    const c = bytes[i]!;
    if (expectValue) {
      let error: string | undefined;
      if (c === 0x7b) {
        i++;
        skipSpace();
        if (i >= bytes.length) return END;
        if (bytes[i] === 0x7d) {
          i++;
          expectValue = false;
          continue;
        }
        if (bytes[i] !== 0x22) return fail("looking for beginning of object key string");
        stack.push("object key");
        error = string();
      } else if (c === 0x5b) {
        i++;
        skipSpace();
        if (i >= bytes.length) return END;
        if (bytes[i] === 0x5d) {
          i++;
          expectValue = false;
          continue;
        }
        stack.push("array value");
        continue;
      } else if (c === 0x22) error = string();
      else if (c === 0x2d || isDigit(c)) error = number();
      else if (c === 0x74) error = literal("true", "true");
      else if (c === 0x66) error = literal("false", "false");
      else if (c === 0x6e) error = literal("null", "null");
      else return fail("looking for beginning of value");
      if (error) return error;
      expectValue = false;
      continue;
    }
    // stateEndValue
    const context = stack.at(-1);
    if (context === undefined) return fail("after top-level value");
    if (context === "object key") {
      if (c !== 0x3a) return fail("after object key");
      i++;
      stack[stack.length - 1] = "object value";
      expectValue = true;
    } else if (context === "object value") {
      if (c === 0x2c) {
        i++;
        skipSpace();
        if (i >= bytes.length) return END;
        if (bytes[i] !== 0x22) return fail("looking for beginning of object key string");
        stack[stack.length - 1] = "object key";
        const error = string();
        if (error) return error;
      } else if (c === 0x7d) {
        i++;
        stack.pop();
      } else return fail("after object key:value pair");
    } else {
      if (c === 0x2c) {
        i++;
        expectValue = true;
      } else if (c === 0x5d) {
        i++;
        stack.pop();
      } else return fail("after array element");
    }
  }
}

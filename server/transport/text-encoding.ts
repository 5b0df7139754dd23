import { configureTextEncoding, getTextEncoding } from "@bufbuild/protobuf/wire";

/**
 * protobuf-es decodes every string field with a default TextDecoder, which drops a leading U+FEFF
 * (byte order mark): "\uFEFFx" sent in any string field, or in a google.protobuf.Struct value,
 * arrived as "x". It is an ordinary character in the middle of a string and must survive at the start
 * too, so decoding keeps it (`ignoreBOM: true`); invalid UTF-8 is handled exactly as before. Global to
 * the process (protobuf-es has one text encoding); call once at start.
 */
export function keepLeadingByteOrderMarks(): void {
  const base = getTextEncoding();
  const lenient = new TextDecoder("utf-8", { ignoreBOM: true });
  const strict = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });
  configureTextEncoding({
    encodeUtf8: (text) => base.encodeUtf8(text),
    checkUtf8: (text) => base.checkUtf8(text),
    decodeUtf8: (bytes, strictMode) => (strictMode ? strict : lenient).decode(bytes),
  });
}

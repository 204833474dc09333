// CESU-8: UTF-8 applied to each UTF-16 code unit (a surrogate pair becomes two 3-byte
// sequences). It is how JerryScript hands strings to C, so it is how Kaluma's storage keeps them.

export function encodeCesu8(text: string): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      out.push(unit);
    } else if (unit < 0x800) {
      out.push(0xc0 | (unit >> 6), 0x80 | (unit & 0x3f));
    } else {
      out.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
    }
  }
  return Uint8Array.from(out);
}

/** The string the bytes encode, or null when they are not valid CESU-8. */
export function decodeCesu8(bytes: Uint8Array): string | null {
  let text = '';
  let i = 0;
  const continuation = (at: number): number | null =>
    at < bytes.length && (bytes[at] & 0xc0) === 0x80 ? bytes[at] & 0x3f : null;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < 0x80) {
      text += String.fromCharCode(lead);
      i += 1;
    } else if ((lead & 0xe0) === 0xc0) {
      const b1 = continuation(i + 1);
      if (b1 === null) return null;
      const unit = ((lead & 0x1f) << 6) | b1;
      if (unit < 0x80) return null;
      text += String.fromCharCode(unit);
      i += 2;
    } else if ((lead & 0xf0) === 0xe0) {
      const b1 = continuation(i + 1);
      const b2 = continuation(i + 2);
      if (b1 === null || b2 === null) return null;
      const unit = ((lead & 0x0f) << 12) | (b1 << 6) | b2;
      if (unit < 0x800) return null;
      text += String.fromCharCode(unit);
      i += 3;
    } else {
      return null;
    }
  }
  return text;
}

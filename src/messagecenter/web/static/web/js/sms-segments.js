// How many SMS a text costs, and in which encoding: the rules of
// transports/sms/segments.py, ported (one table of cases tests both). GSM-7 (the default
// alphabet; the extension table's characters take two septets) carries 160 septets in one
// SMS and 153 per part of a longer one; any other character makes the text UCS-2: 70 UTF-16
// units, 67 per part. A character never straddles two parts.

export const GSM7 = "GSM-7";
export const UCS2 = "UCS-2";
const BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
  "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const EXTENSION = new Set("\f^{}\\[~]|€");
const SINGLE = { [GSM7]: 160, [UCS2]: 70 };
const PART = { [GSM7]: 153, [UCS2]: 67 };

export function encodingOf(text) {
  for (const char of text) {
    if (!BASIC.has(char) && !EXTENSION.has(char)) return UCS2;
  }
  return GSM7;
}

function units(char, encoding) {
  if (encoding === GSM7) return EXTENSION.has(char) ? 2 : 1;
  return char.length; // a character outside the BMP is a surrogate pair
}

export function countSegments(text) {
  const encoding = encodingOf(text);
  const sizes = Array.from(text, (char) => units(char, encoding));
  const used = sizes.reduce((sum, size) => sum + size, 0);
  if (used <= SINGLE[encoding]) {
    return { count: text ? 1 : 0, encoding, units: used, capacity: SINGLE[encoding] };
  }
  let parts = 1;
  let room = PART[encoding];
  for (const size of sizes) {
    if (size > room) {
      parts += 1;
      room = PART[encoding];
    }
    room -= size;
  }
  return { count: parts, encoding, units: used, capacity: parts * PART[encoding] };
}

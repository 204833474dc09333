export const average = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
export const clamp = (x, lo, hi) => Math.min(hi, Math.max(lo, Number.isNaN(x) ? lo : x));
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

import { LIMITS } from '../../domain/accounts/validation.ts';
import { ApiError } from '../../domain/errors.ts';

/**
 * A logo uploaded on the OAuth app form (docs/pages.md §9), stored as the inline `data:` URL the consent page
 * renders. The type comes from the file's first bytes, never its name or the browser's claim; SVG is refused
 * (it can carry scripts and we do not sanitise it), so only PNG, JPEG and WebP are kept.
 */
const SIGNATURES: Array<{ type: string; matches: (b: Uint8Array) => boolean }> = [
  { type: 'image/png', matches: (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]) },
  { type: 'image/jpeg', matches: (b) => starts(b, [0xff, 0xd8, 0xff]) },
  // RIFF....WEBP
  { type: 'image/webp', matches: (b) => starts(b, [0x52, 0x49, 0x46, 0x46]) && starts(b.subarray(8), [0x57, 0x45, 0x42, 0x50]) },
];

function starts(b: Uint8Array, sig: number[]): boolean {
  return b.length >= sig.length && sig.every((x, i) => b[i] === x);
}

export async function logoDataUrl(file: File): Promise<string> {
  if (file.size > LIMITS.logoFileBytes) {
    throw ApiError.malformed(`A logo file is at most ${LIMITS.logoFileBytes / 1024} KiB; ${file.name || 'this one'} is ${Math.ceil(file.size / 1024)} KiB`);
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const type = SIGNATURES.find((s) => s.matches(bytes))?.type;
  if (!type) throw ApiError.malformed(`${file.name || 'The file'} is not a PNG, JPEG or WebP image; upload one of those (SVG is not accepted)`);
  return `data:${type};base64,${Buffer.from(bytes).toString('base64')}`;
}

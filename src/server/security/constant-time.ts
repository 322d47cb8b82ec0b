/**
 * The one place secrets are compared. Its running time depends only on the lengths, never on
 * where the inputs differ, so an attacker cannot learn a secret byte by byte from response times.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  let difference = 0;
  for (let i = 0; i < a.byteLength; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** The same string with its last character replaced by a different one (a near-miss token or secret). */
export function changeLastCharacter(value: string): string {
  return `${value.slice(0, -1)}${value.endsWith('a') ? 'b' : 'a'}`;
}

/** Exact origin match; a '*' entry opens a site to every origin (documented as unsafe). */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  if (!origin) return false;
  const normalised = origin.replace(/\/$/, '').toLowerCase();
  return allowed.some((entry) => entry === '*' || entry.replace(/\/$/, '').toLowerCase() === normalised);
}

/**
 * India's states and union territories by their GST state code: the first two digits of a
 * GSTIN, and how an invoice names the place of supply (`27-Maharashtra`).
 *
 * Two codes are kept only so that old GSTINs and stored invoices still read: 25 (Daman and
 * Diu, merged into 26 in January 2020) and 28 (Andhra Pradesh before its division; today's
 * Andhra Pradesh is 37). Forms offer only the current ones.
 */
export interface GstState {
  readonly code: string;
  readonly name: string;
  /** False for a code no longer given to new registrations. */
  readonly current: boolean;
}

const table: readonly (readonly [code: string, name: string, current?: false])[] = [
  ['01', 'Jammu and Kashmir'],
  ['02', 'Himachal Pradesh'],
  ['03', 'Punjab'],
  ['04', 'Chandigarh'],
  ['05', 'Uttarakhand'],
  ['06', 'Haryana'],
  ['07', 'Delhi'],
  ['08', 'Rajasthan'],
  ['09', 'Uttar Pradesh'],
  ['10', 'Bihar'],
  ['11', 'Sikkim'],
  ['12', 'Arunachal Pradesh'],
  ['13', 'Nagaland'],
  ['14', 'Manipur'],
  ['15', 'Mizoram'],
  ['16', 'Tripura'],
  ['17', 'Meghalaya'],
  ['18', 'Assam'],
  ['19', 'West Bengal'],
  ['20', 'Jharkhand'],
  ['21', 'Odisha'],
  ['22', 'Chhattisgarh'],
  ['23', 'Madhya Pradesh'],
  ['24', 'Gujarat'],
  ['25', 'Daman and Diu', false],
  ['26', 'Dadra and Nagar Haveli and Daman and Diu'],
  ['27', 'Maharashtra'],
  ['28', 'Andhra Pradesh (before division)', false],
  ['29', 'Karnataka'],
  ['30', 'Goa'],
  ['31', 'Lakshadweep'],
  ['32', 'Kerala'],
  ['33', 'Tamil Nadu'],
  ['34', 'Puducherry'],
  ['35', 'Andaman and Nicobar Islands'],
  ['36', 'Telangana'],
  ['37', 'Andhra Pradesh'],
  ['38', 'Ladakh'],
  ['97', 'Other Territory'],
];

/** Every known code, in code order. */
export const gstStates: readonly GstState[] = table.map(([code, name, current]) => ({
  code,
  name,
  current: current ?? true,
}));

const byCode = new Map(gstStates.map((state) => [state.code, state]));

/** What a reader may pick as their state: the current codes, by name. */
export const selectableStates: readonly GstState[] = gstStates
  .filter((state) => state.current)
  .sort((a, b) => a.name.localeCompare(b.name, 'en-IN'));

export function isStateCode(code: string): boolean {
  return byCode.has(code);
}

/** The state's name, or undefined for a code that is not a GST state code. */
export function stateName(code: string): string | undefined {
  return byCode.get(code)?.name;
}

/** `27-Maharashtra`: how an invoice states the place of supply. */
export function stateLabel(code: string): string {
  const name = stateName(code);
  if (name === undefined) throw new RangeError(`"${code}" is not a GST state code.`);
  return `${code}-${name}`;
}

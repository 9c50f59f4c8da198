// The encoder lives in the kernel: the support desk's subscriber list writes CSV too.
export { toCsv } from '../../kernel/csv.js';

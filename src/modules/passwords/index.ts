export { hashPassword, verifyPassword, needsRehash, passwordHashPolicy } from './hashing.js';
export {
  checkPassword,
  passwordLength,
  type PasswordCheck,
  type PasswordContext,
  type PasswordProblem,
} from './policy.js';

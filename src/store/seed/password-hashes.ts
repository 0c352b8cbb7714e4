/**
 * bcrypt (`$2b$`, cost 12, as OpenTera/passlib) hashes of the seed passwords, computed once so
 * that seeding does not spend seconds hashing. test/store/password-hashes.test.ts verifies each.
 * The passwords are OpenTera's public test/default credentials, not secrets.
 */
export const SEED_PASSWORD_HASHES = {
  admin: '$2b$12$dNHVpJky6OPbxI/w/BrTvugCaxs4a/stDCrf1CliU5U7M4LaaMWiq',
  siteadmin: '$2b$12$hJKTwsxSHkylV6vbepqDq..XFKCSH5b7lW7.1xFxnlBeWdye9/ybG',
  user: '$2b$12$o/nUjHUvFEHzjZJMN1JhIequFTO/oHTHbHisaNCaYmPLJGxJOZo5O',
  user2: '$2b$12$biv9/ccPY4yYMSDD90q1D.YVbI0b67PhJ6muLsNBrNAyfBz/HGhvW',
  user3: '$2b$12$G2hbK/4j7Jjsd38b4Z/QCuDr29HwpOwm96mv46sZ.jEzijrIOhtvK',
  user4: '$2b$12$6b/n817uVWy41sUgg8/qZeCMWMuhjL8oCuAHnfUgco.B0JmaKrJIS',
  opentera: '$2b$12$UUmTm91XCrrUzl19xvfosuMSvgyo82o12xtLt.v5jQ7qW2zVswsye',
} as const;

/** A seed password (the key is the password itself). */
export type SeedPassword = keyof typeof SEED_PASSWORD_HASHES;

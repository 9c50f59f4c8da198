import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import type { Database, PartnerOfferRow } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import type { MailSender } from '../mail/index.js';
import type { BenefitDecision } from '../paywall/index.js';
import type { PublicationService } from '../publication/index.js';
import {
  readCodeFile,
  readerStatus,
  runsLow,
  TooManyLinesError,
  type ClaimOutcome,
  type CodeCounts,
  type PartnerOffer,
  type ReaderOffer,
  type RejectedRow,
} from './domain.js';
import type { PartnerMailVariables } from './mail-copy.js';
import * as q from './queries.js';

/** The benefit an offer's codes are for. */
export const PARTNER_ACCESS = 'partner-access';

export interface OfferInput {
  readonly name: string;
  readonly partner: string;
  readonly instructions: string;
  /** Staff are warned when the unclaimed codes fall to this many; 10 if absent. */
  readonly lowCodeThreshold?: number;
}

export interface OfferPatch {
  readonly name?: string;
  readonly partner?: string;
  readonly instructions?: string;
  readonly lowCodeThreshold?: number;
  readonly active?: boolean;
}

/** What an upload of codes did. */
export interface CodeUpload {
  readonly added: number;
  /** Codes the offer already had, or that the file repeats: ignored. */
  readonly duplicates: number;
  readonly rejected: readonly RejectedRow[];
  /** The offer after the upload (its counts). */
  readonly offer: PartnerOffer;
}

/**
 * Partner offers: staff create them and upload their activation codes; an entitled reader
 * claims one code per offer, once, and sees it again whenever they look.
 */
export interface PartnerService {
  create(input: OfferInput): Promise<PartnerOffer>;
  update(id: string, patch: OfferPatch): Promise<PartnerOffer>;
  /** Every offer with its counts, newest first. */
  list(): Promise<PartnerOffer[]>;
  get(id: string): Promise<PartnerOffer | undefined>;
  /**
   * Adds the codes of a CSV file (see `readCodeFile`): valid rows are added, codes the offer
   * has already are counted as duplicates, bad rows are reported by line. Throws `not_found`,
   * or `validation_failed` for a file of more lines than one upload takes (nothing is added).
   */
  uploadCodes(offerId: string, csv: string): Promise<CodeUpload>;
  /**
   * The offers as this reader sees them: the active ones and any they have claimed from (an
   * offer switched off, or a subscription that ended, does not take back a code), each with
   * the reader's code if they have one.
   */
  offersFor(accountId: string): Promise<ReaderOffer[]>;
  /**
   * Gives the reader a code of the offer, or the one they were given before. A reader whose
   * subscription does not include partner access may not claim (but keeps a code they have).
   * Exact under concurrency: two claims never get one code, and one reader's parallel claims
   * get one code between them.
   */
  claim(accountId: string, offerId: string): Promise<ClaimOutcome>;
}

const defaultThreshold = 10;
/** How many unclaimed codes a claim picks among, so that claims arriving together spread out. */
const candidates = 16;

export function createPartnerService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  /** May the account use partner access now? (The paywall's decision, over its entitlements.) */
  benefit: (accountId: string) => Promise<BenefitDecision>;
  mailer: MailSender<PartnerMailVariables>;
  publication: Pick<PublicationService, 'settings'>;
  /** Absolute site URL, for the link in the staff's warning. */
  publicUrl: string;
  log: Pick<FastifyBaseLogger, 'warn'>;
}): PartnerService {
  const { db, clock, mailer, publication, log } = deps;
  const now = () => clock.now().toISOString();

  function offerOf(row: PartnerOfferRow, counts: CodeCounts): PartnerOffer {
    return {
      id: row.id,
      name: row.name,
      partner: row.partner,
      instructions: row.instructions,
      active: row.active === 1,
      lowCodeThreshold: row.low_code_threshold,
      codes: counts,
      lowWarnedAt: row.low_warned_at,
      createdAt: row.created_at,
    };
  }

  const countsFrom = (rows: readonly q.CodeCountRow[], offerId: string): CodeCounts => {
    const row = rows.find((r) => r.offer_id === offerId);
    return row
      ? { total: row.total, claimed: row.total - row.remaining, remaining: row.remaining }
      : { total: 0, claimed: 0, remaining: 0 };
  };

  async function get(id: string): Promise<PartnerOffer | undefined> {
    const row = await q.selectOffer(db, id);
    if (!row) return undefined;
    return offerOf(row, countsFrom(await q.countCodes(db, [id]), id));
  }

  /**
   * Once a claim leaves the offer at or under its threshold, the first claim to mark it warns
   * the staff; later claims find it marked and send nothing, until an upload lifts the count
   * above the threshold again and clears the mark. A warning that cannot be delivered clears
   * the mark again, so the next claim tries once more.
   */
  async function warnIfLow(offerId: string): Promise<void> {
    const offer = await get(offerId);
    if (!offer || !runsLow(offer) || offer.lowWarnedAt !== null) return;
    if (!(await q.markLowWarned(db, offerId, now()))) return;
    const { staffEmail } = await publication.settings();
    if (staffEmail === null) {
      log.warn(
        { offerId, remaining: offer.codes.remaining },
        'partner codes run low; no staff address is set (publication.staffEmail), so no mail was sent',
      );
      return;
    }
    try {
      await mailer.send({
        to: staffEmail,
        template: 'partner-codes-low',
        variables: {
          offer_name: offer.name,
          partner: offer.partner,
          remaining: offer.codes.remaining,
          threshold: offer.lowCodeThreshold,
          offer_link: `${deps.publicUrl}/api/admin/v1/partner-offers/${offer.id}`,
        },
      });
    } catch (error) {
      log.warn({ err: error, offerId }, 'the warning that partner codes run low was not delivered');
      await q.clearLowWarned(db, offerId);
    }
  }

  async function existingClaim(offerId: string, accountId: string): Promise<ClaimOutcome | undefined> {
    const claim = await q.selectClaim(db, offerId, accountId);
    return claim && { ok: true, code: claim.code, claimedAt: claim.claimed_at };
  }

  return {
    async create(input) {
      const id = newId('pof');
      await q.insertOffer(db, {
        id,
        name: input.name,
        partner: input.partner,
        instructions: input.instructions,
        lowCodeThreshold: input.lowCodeThreshold ?? defaultThreshold,
        at: now(),
      });
      return (await get(id))!;
    },

    async update(id, patch) {
      const found = await q.updateOffer(db, id, {
        ...(patch.name !== undefined && { name: patch.name }),
        ...(patch.partner !== undefined && { partner: patch.partner }),
        ...(patch.instructions !== undefined && { instructions: patch.instructions }),
        ...(patch.active !== undefined && { active: patch.active ? 1 : 0 }),
        ...(patch.lowCodeThreshold !== undefined && { low_code_threshold: patch.lowCodeThreshold }),
      });
      if (!found) throw notFound('The partner offer');
      const offer = (await get(id))!;
      // A threshold lowered under what is left arms the warning again.
      if (!runsLow(offer) && offer.lowWarnedAt !== null) {
        await q.clearLowWarned(db, id);
        return (await get(id))!;
      }
      return offer;
    },

    async list() {
      const [rows, counts] = await Promise.all([q.selectOffers(db), q.countCodes(db)]);
      return rows.map((row) => offerOf(row, countsFrom(counts, row.id)));
    },

    get,

    async uploadCodes(offerId, csv) {
      if (!(await q.selectOffer(db, offerId))) throw notFound('The partner offer');
      let file;
      try {
        file = readCodeFile(csv);
      } catch (error) {
        if (error instanceof TooManyLinesError) throw new AppError('validation_failed', error.message);
        throw error;
      }
      const at = now();
      const added = await db.transaction().execute(async (trx) => {
        const count = await q.insertCodes(
          trx,
          file.codes.map(({ code }) => ({ id: newId('pcd'), offerId, code, at })),
        );
        return count;
      });
      let offer = (await get(offerId))!;
      // Topped up above the threshold: the next fall under it warns again.
      if (!runsLow(offer) && offer.lowWarnedAt !== null) {
        await q.clearLowWarned(db, offerId);
        offer = (await get(offerId))!;
      }
      return {
        added,
        duplicates: file.repeated + (file.codes.length - added),
        rejected: file.rejected,
        offer,
      };
    },

    async offersFor(accountId) {
      const [active, claims, decision] = await Promise.all([
        q.selectOffers(db, { activeOnly: true }),
        q.selectClaimsOf(db, accountId),
        deps.benefit(accountId),
      ]);
      const missing = claims.filter((c) => !active.some((offer) => offer.id === c.offer_id));
      const inactive = await Promise.all(missing.map((c) => q.selectOffer(db, c.offer_id)));
      const rows = [...active, ...inactive.filter((row) => row !== undefined)];
      const counts = await q.countCodes(
        db,
        rows.map((row) => row.id),
      );
      return rows.map((row) => {
        const claim = claims.find((c) => c.offer_id === row.id);
        return {
          id: row.id,
          name: row.name,
          partner: row.partner,
          instructions: row.instructions,
          status: readerStatus({
            claimed: claim !== undefined,
            entitled: decision.granted,
            remaining: countsFrom(counts, row.id).remaining,
          }),
          claimed: claim ? { code: claim.code, claimedAt: claim.claimed_at } : null,
        };
      });
    },

    async claim(accountId, offerId) {
      // A code once given stays the reader's: asked again, they get it again, entitled or not.
      const before = await existingClaim(offerId, accountId);
      if (before) return before;
      const offer = await q.selectOffer(db, offerId);
      if (!offer || offer.active !== 1) return { ok: false, reason: 'not_found' };
      if (!(await deps.benefit(accountId)).granted) return { ok: false, reason: 'subscription_required' };
      // Take one of the first few unclaimed codes, chosen at random so that claims arriving
      // together mostly try different ones; a code another claim took first is simply passed
      // over. Each failed try means another claim succeeded, so this ends.
      for (;;) {
        const ids = await q.selectUnclaimed(db, offerId, candidates);
        if (ids.length === 0)
          return (await existingClaim(offerId, accountId)) ?? { ok: false, reason: 'none_left' };
        const start = Math.floor(Math.random() * ids.length);
        for (let i = 0; i < ids.length; i++) {
          const codeId = ids[(start + i) % ids.length]!;
          let taken: boolean;
          try {
            taken = await q.takeCode(db, codeId, accountId, now());
          } catch (error) {
            // This reader's own claim running alongside took a code first: that is their code.
            if (isUniqueViolation(error)) {
              const theirs = await existingClaim(offerId, accountId);
              if (theirs) return theirs;
            }
            throw error;
          }
          if (taken) {
            await warnIfLow(offerId);
            return (await existingClaim(offerId, accountId))!;
          }
        }
      }
    },
  };
}

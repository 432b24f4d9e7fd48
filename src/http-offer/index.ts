/** Generic HTTP offer/answer signaling (seed 002 style servers). */
export { offerAnswer, HttpOfferOptionsSchema, OfferRequestSchema, AnswerResponseSchema } from './client.ts'
export type { HttpOfferOptions, HttpOfferSession } from './client.ts'

/** Generic HTTP offer/answer signaling (servers that take a POSTed offer and return the answer, without WHIP's resource URL or PATCH). */
export { offerAnswer, HttpOfferOptionsSchema, OfferRequestSchema, AnswerResponseSchema } from './client.ts'
export type { HttpOfferOptions, HttpOfferSession } from './client.ts'

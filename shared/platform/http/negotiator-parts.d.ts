/**
 * negotiator's own modules for the two headers Funnel negotiates (its index requires the charset
 * and encoding parts too); @types/negotiator describes only the index.
 */
declare module 'negotiator/lib/language.js' {
  /** The languages of `provided` that `accept` (an Accept-Language value) allows, best first. */
  export default function preferredLanguages(accept: string | undefined, provided: string[]): string[];
}
declare module 'negotiator/lib/mediaType.js' {
  /** The media types of `provided` that `accept` (an Accept value) allows, best first. */
  export default function preferredMediaTypes(accept: string | undefined, provided: string[]): string[];
}

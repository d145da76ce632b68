// Type declarations of the consent widget's JavaScript API (docs/consent.md, "The JavaScript API").

/** A category of the site's cookie inventory, e.g. "audience_measurement". */
export type ConsentCategory =
  | 'strictly_necessary'
  | 'preferences'
  | 'audience_measurement'
  | 'advertising'
  | 'social_media'
  | (string & {});

/** The optional categories of the site, each allowed (true) or not (false). */
export type ConsentChoices = Record<string, boolean>;

/** What produced the state: "load" once it is known at load, else the choice the server recorded. */
export type ConsentAction = 'load' | 'accept' | 'reject' | 'customize' | 'withdraw' | 'dismiss';

/** Google Consent Mode v2 signals, present only when the site maps its categories to them in policy.yaml. */
export interface ConsentModeSignals {
  ad_storage: 'granted' | 'denied';
  analytics_storage: 'granted' | 'denied';
  ad_user_data: 'granted' | 'denied';
  ad_personalization: 'granted' | 'denied';
}

/** The detail of the privacy-consent:change event, and what on('change') listeners receive. */
export interface ConsentChange {
  choices: ConsentChoices;
  action: ConsentAction;
  /** The browser sends Global Privacy Control (counted as a refusal until an explicit choice). */
  gpc: boolean;
  /** The revision of the cookie inventory the choice answers. */
  revision: string;
  /** false until the person has chosen: nothing optional runs meanwhile. */
  decided: boolean;
  consentMode?: Partial<ConsentModeSignals>;
}

export interface StartOptions {
  /** The site's id in the content (data-site on the script tag). */
  site: string;
  /** The consent endpoint, same origin (default: /consent). */
  endpoint?: string;
  /** Where the widget's other files are (default: beside the script). */
  base?: string;
}

export interface PrivacyConsentApi {
  /** true or false once the person has chosen, null while undecided (or before the state is known). */
  allowed(category: ConsentCategory): boolean | null;
  /** A copy of the current choices ({} before the state is known). */
  choices(): ConsentChoices;
  /** Opens the preferences; focus goes back where it was when they close. */
  open(): void;
  /** Calls fn with the state at once if it is known, then after every change; returns a function that stops it. */
  on(type: 'change', fn: (change: ConsentChange) => void): () => void;
  /** Activates the marked elements under root (the whole document by default); added elements need no call. */
  apply(root?: ParentNode & Node): void;
  /** Starts the widget when it was not loaded by a script tag with data-site (the ES module). */
  start(options: StartOptions): void;
}

export declare const PrivacyConsent: PrivacyConsentApi;
export default PrivacyConsent;

declare global {
  interface Window {
    PrivacyConsent: PrivacyConsentApi;
  }
  interface DocumentEventMap {
    'privacy-consent:change': CustomEvent<ConsentChange>;
  }
}

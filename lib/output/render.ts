// The `packet` and `flow` events are made where their stages' items are defined (lib/events.ts); this module
// keeps the names output code and library users have imported them by.

export { flagLetters, flowEvent, packetEvent } from '../events.js';

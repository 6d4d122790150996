/** The time source of the pipeline. Tests inject a clock they can move; everything durable uses it. */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

/**
 * One of the two fleets of a blue-green service.
 */
export enum Color {
  /** The blue fleet. */
  BLUE = 'BLUE',
  /** The green fleet. */
  GREEN = 'GREEN',
}

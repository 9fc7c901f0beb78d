import { conflict } from '../http/errors';

/**
 * An explicit state machine: the states, and for each the events it accepts and where they
 * lead. Anything not listed is an illegal transition: a 409 with a stable code that names the
 * object, its state and the refused event.
 */
export interface StateMachine<S extends string, E extends string> {
  readonly name: string;
  readonly states: readonly S[];
  readonly transitions: Readonly<Record<S, Partial<Record<E, S>>>>;
  /** The state `event` leads to from `from`, or a 409 `invalid_<name>_transition`. */
  next(from: S, event: E): S;
  can(from: S, event: E): boolean;
}

export function stateMachine<S extends string, E extends string>(
  name: string,
  transitions: Record<S, Partial<Record<E, S>>>,
): StateMachine<S, E> {
  const states = Object.keys(transitions) as S[];
  return {
    name,
    states,
    transitions,
    can: (from, event) => transitions[from]?.[event] !== undefined,
    next(from, event) {
      const to = transitions[from]?.[event];
      if (to === undefined) {
        throw conflict(
          `invalid_${name}_transition`,
          `Cannot ${event.replace(/_/g, ' ')} a ${from.replace(/_/g, ' ')} ${name}.`,
        );
      }
      return to;
    },
  };
}

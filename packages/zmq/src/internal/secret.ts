import * as Redacted from "effect/Redacted"

/** The options whose value is a secret: a `Redacted<string>` is accepted for them as well as a string. */
export const secretOptions: ReadonlySet<string> = new Set(["CURVE_SECRETKEY", "PLAIN_PASSWORD"])

/**
 * The value to hand to libzmq for option `name`: a `Redacted` secret is unwrapped (only for the secret options; a
 * `Redacted` given to any other option is left as it is, and refused as a value of the wrong type).
 */
export const unwrapSecret = (name: unknown, value: unknown): unknown =>
  typeof name === "string" && secretOptions.has(name) && Redacted.isRedacted(value) ? Redacted.value(value) : value

/** `make`'s options with every secret unwrapped; the same object when there is none (the common case). */
export const unwrapSecrets = <A extends object>(options: A): A => {
  let copy: Record<string, unknown> | undefined
  for (const name of secretOptions) {
    const value = (options as Record<string, unknown>)[name]
    if (Redacted.isRedacted(value)) {
      copy ??= { ...(options as Record<string, unknown>) }
      copy[name] = Redacted.value(value)
    }
  }
  const nested = (options as { readonly options?: unknown }).options
  if (nested !== null && typeof nested === "object") {
    const unwrapped = unwrapSecrets(nested)
    if (unwrapped !== nested) {
      copy ??= { ...(options as Record<string, unknown>) }
      copy.options = unwrapped
    }
  }
  return (copy ?? options) as A
}

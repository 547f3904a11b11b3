/**
 * The one retry policy of Parley's loops: a {@link dev.parley.schemas.retry.Backoff} (how long to wait) and a
 * {@link dev.parley.schemas.retry.FailureStreak} (how many failed in a row, how long to pause after this one, whether
 * to log it). It lives in the schemas module, the base every other module depends on, because both the worker's loops
 * and the producer SDK's reply listener use it and the SDK must not depend on the worker. It needs nothing but the
 * JDK: it only decides, and each loop counts, logs and waits in its own way.
 */
package dev.parley.schemas.retry;

package io.geostream.inference;

import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * Per-attempt deadline and retry schedule of inference. Flink's async timeout covers all attempts, so
 * the operator's timeout must exceed {@link #worstCase()}.
 *
 * @param maxAttempts     attempts per clip (1 = no retry)
 * @param attemptTimeout  deadline of one attempt; a worker that misses it is discarded and rebuilt
 * @param initialBackoff  wait before the second attempt
 * @param maxBackoff      cap of the doubling backoff
 */
public record RetryPolicy(int maxAttempts, Duration attemptTimeout, Duration initialBackoff, Duration maxBackoff) implements Serializable {

    public RetryPolicy {
        if (maxAttempts < 1 || maxAttempts > 20) throw new IllegalArgumentException("maxAttempts must be in [1, 20], got " + maxAttempts);
        Objects.requireNonNull(attemptTimeout, "attemptTimeout");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (attemptTimeout.isNegative() || attemptTimeout.isZero()) throw new IllegalArgumentException("attemptTimeout must be > 0");
        if (initialBackoff.isNegative() || maxBackoff.isNegative()) throw new IllegalArgumentException("backoff must be >= 0");
    }

    public static RetryPolicy defaults() {
        return new RetryPolicy(3, Duration.ofSeconds(60), Duration.ofMillis(200), Duration.ofSeconds(5));
    }

    /** Backoff before attempt {@code attempt} (2, 3, ...). */
    public Duration backoffBefore(int attempt) {
        long ms = initialBackoff.toMillis();
        for (int i = 2; i < attempt && ms < maxBackoff.toMillis(); i++) ms *= 2;
        return Duration.ofMillis(Math.min(ms, maxBackoff.toMillis()));
    }

    /** Longest time all attempts and backoffs can take. */
    public Duration worstCase() {
        Duration d = attemptTimeout.multipliedBy(maxAttempts);
        for (int a = 2; a <= maxAttempts; a++) d = d.plus(backoffBefore(a));
        return d;
    }
}

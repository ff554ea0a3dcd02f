package kiln.client;

import io.grpc.Status;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When a failed call is sent again: only UNAVAILABLE and RESOURCE_EXHAUSTED, only for calls that
 * are safe to repeat (KilnClient.isIdempotent), after the server's RetryInfo delay or else an
 * exponential backoff, with up to 20% jitter.
 */
public final class RetryPolicy {
  /** Two retries, 0.5 s then 1 s without RetryInfo, at most 30 s of waiting per retry. */
  public static final RetryPolicy DEFAULT = new RetryPolicy(2, Duration.ofMillis(500), Duration.ofSeconds(30));

  private final int maxRetries;
  private final Duration initialBackoff;
  private final Duration maxDelay;

  /**
   * @param maxRetries attempts after the first; 0 disables retries
   * @param initialBackoff first wait without RetryInfo; doubles per retry
   * @param maxDelay a longer wait (e.g. a RetryInfo of an hour) is not waited for: the error is thrown
   */
  public RetryPolicy(int maxRetries, Duration initialBackoff, Duration maxDelay) {
    if (maxRetries < 0) {
      throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
    }
    this.maxRetries = maxRetries;
    this.initialBackoff = initialBackoff;
    this.maxDelay = maxDelay;
  }

  /** The wait before retry number {@code retries} + 1, or empty to give up. */
  public Optional<Duration> delay(KilnException error, int retries) {
    Status.Code code = error.code();
    if ((code != Status.Code.UNAVAILABLE && code != Status.Code.RESOURCE_EXHAUSTED) || retries >= maxRetries) {
      return Optional.empty();
    }
    Duration base = error.retryDelay().orElse(initialBackoff.multipliedBy(1L << retries));
    if (base.compareTo(maxDelay) > 0) {
      return Optional.empty();
    }
    long jitter = (long) (ThreadLocalRandom.current().nextDouble(0.2) * base.toNanos());
    return Optional.of(base.plusNanos(jitter));
  }
}

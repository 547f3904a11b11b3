package dev.parley.schemas.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FailureStreakTest {

    private final Backoff backoff = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1));

    @Test
    void pausesGrowWithTheStreakUpToTheCap() {
        FailureStreak streak = FailureStreak.of(backoff);
        List<Duration> pauses = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            pauses.add(streak.failed());
        }
        assertThat(pauses).extracting(Duration::toMillis).containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L);
        assertThat(streak.count()).isEqualTo(6);
        assertThat(streak.failing()).isTrue();
    }

    @Test
    void aSuccessEndsTheStreakAndTheNextFailureStartsOverAtTheFirstPause() {
        FailureStreak streak = FailureStreak.of(backoff);
        streak.failed();
        streak.failed();
        streak.failed();

        assertThat(streak.succeeded()).isEqualTo(3);
        assertThat(streak.succeeded()).isZero();
        assertThat(streak.failing()).isFalse();
        assertThat(streak.failed()).isEqualTo(Duration.ofMillis(100));
        assertThat(streak.count()).isEqualTo(1);
    }

    @Test
    void logsTheFirstFailureAndEveryTenth() {
        FailureStreak streak = FailureStreak.of(backoff);
        assertThat(streak.worthLogging()).isFalse(); // nothing failed yet
        List<Integer> logged = new ArrayList<>();
        for (int i = 1; i <= 35; i++) {
            streak.failed();
            if (streak.worthLogging()) {
                logged.add(streak.count());
            }
        }
        assertThat(logged).containsExactly(1, 10, 20, 30);

        streak.succeeded();
        streak.failed();
        assertThat(streak.worthLogging()).isTrue(); // a new streak is logged from its first failure
    }

    @Test
    void jitterAddsAtMostHalfOfTheBackoffsPauseAndVaries() {
        FailureStreak streak = FailureStreak.jittered(backoff, new Random(42));
        List<Duration> pauses = new ArrayList<>();
        for (int attempt = 1; attempt <= 30; attempt++) {
            Duration pause = streak.failed();
            Duration base = backoff.delay(attempt);
            assertThat(pause).isBetween(base, base.plus(base.dividedBy(2)));
            pauses.add(pause);
        }
        assertThat(pauses.subList(5, 30).stream().distinct().count()).as("capped pauses still spread out")
                .isGreaterThan(1);
    }

    @Test
    void theSameSeedGivesTheSamePauses() {
        FailureStreak one = FailureStreak.jittered(backoff, new Random(7));
        FailureStreak two = FailureStreak.jittered(backoff, new Random(7));
        for (int i = 0; i < 12; i++) {
            assertThat(one.failed()).isEqualTo(two.failed());
        }
    }
}

package io.syncrunner.auth;

import io.syncrunner.support.ManualClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class TokenCacheTest {
    private static final TokenCache.Key KEY = new TokenCache.Key("http://h/applications/token", "client");


    private final ManualClock clock = new ManualClock(Instant.parse("2026-11-23T10:00:00Z"));
    private final TokenCache cache = new TokenCache(clock, Duration.ofSeconds(60));
    private final AtomicInteger fetched = new AtomicInteger();

    private AccessToken fetch() {
        int n = fetched.incrementAndGet();
        return new AccessToken("token-" + n, clock.instant(), clock.instant().plusSeconds(900));
    }

    @Test
    void shouldReuseATokenUntilShortlyBeforeItExpires() {
        assertThat(cache.get(KEY, this::fetch).value()).isEqualTo("token-1");
        clock.advance(Duration.ofSeconds(839));
        assertThat(cache.get(KEY, this::fetch).value()).isEqualTo("token-1");
        clock.advance(Duration.ofSeconds(2)); // 59 s left: inside the 60 s margin
        assertThat(cache.get(KEY, this::fetch).value()).isEqualTo("token-2");
        assertThat(fetched).hasValue(2);
    }

    @Test
    void shouldScaleTheMarginDownForShortLivedTokens() {
        AccessToken oneSecond = new AccessToken("t", clock.instant(), clock.instant().plusSeconds(1));
        assertThat(oneSecond.usableAt(clock.instant().plusMillis(700), Duration.ofSeconds(60))).isTrue();
        assertThat(oneSecond.usableAt(clock.instant().plusMillis(850), Duration.ofSeconds(60))).isFalse();
    }

    @Test
    void shouldDropARefusedTokenOnlyOnce() {
        cache.get(KEY, this::fetch);
        cache.invalidate(KEY, "token-1");
        assertThat(cache.get(KEY, this::fetch).value()).isEqualTo("token-2");
        cache.invalidate(KEY, "token-1"); // a late 401 of the old token must not drop the new one
        assertThat(cache.get(KEY, this::fetch).value()).isEqualTo("token-2");
        assertThat(fetched).hasValue(2);
    }

    @Test
    void shouldFetchOnceWhenManyCallersNeedATokenAtTheSameTime() throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return cache.get(KEY, () -> {
                        try {
                            Thread.sleep(50); // a slow token endpoint
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return fetch();
                    }).value();
                }));
            }
            start.countDown();
            for (Future<String> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo("token-1");
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(fetched).hasValue(1);
        assertThat(cache.fetchCount()).isEqualTo(1);
    }

    @Test
    void shouldKeepSeparateTokensPerClient() {
        cache.get(KEY, this::fetch);
        AccessToken other = cache.get(new TokenCache.Key(KEY.tokenUrl(), "other"), this::fetch);
        assertThat(other.value()).isEqualTo("token-2");
    }

    @Test
    void shouldNeverShowTheTokenInToString() {
        AccessToken t = new AccessToken("s3cr3t-token", clock.instant(), clock.instant().plusSeconds(10));
        assertThat(t.toString()).doesNotContain("s3cr3t-token");
        assertThat(t.credential().toString()).isEqualTo("Bearer ****");
    }
}

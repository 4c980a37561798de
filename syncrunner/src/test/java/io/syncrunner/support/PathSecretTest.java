package io.syncrunner.support;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PathSecretTest {

    @Test
    void shouldMatchOnlyTheExactSecret() {
        assertThat(PathSecret.matches("s3cret-value", "s3cret-value")).isTrue();
        assertThat(PathSecret.matches("s3cret-valuE", "s3cret-value")).isFalse();
        assertThat(PathSecret.matches("s3cret-value-longer", "s3cret-value")).isFalse();
        assertThat(PathSecret.matches("s3cret", "s3cret-value")).isFalse();
        assertThat(PathSecret.matches(null, "s3cret-value")).isFalse();
        assertThat(PathSecret.matches("", "s3cret-value")).isFalse();
    }

    @Test
    void shouldMatchNothingWhenNoSecretIsSet() {
        assertThat(PathSecret.matches("", "")).isFalse();
        assertThat(PathSecret.matches(null, null)).isFalse();
        assertThat(PathSecret.matches("anything", "")).isFalse();
    }
}

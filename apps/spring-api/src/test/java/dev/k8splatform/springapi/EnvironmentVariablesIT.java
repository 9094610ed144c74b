package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Settings and secrets as environment variables, the way a ConfigMap's and a Secret's keys
 * reach the container in dev: Spring's relaxed binding maps APP_APIKEY to app.api-key, and the
 * management port's configsources report names that variable, not its value.
 */
class EnvironmentVariablesIT {

  @Test
  void takesTheKeyAndSettingsFromTheEnvironmentAndNeverShowsThem() throws Exception {
    String key = "key-from-an-environment-variable";
    try (JarProcess app = new JarProcess(List.of("-Xmx256m"), List.of(),
        Map.of("APP_APIKEY", key, "APP_ENVIRONMENT", "dev"))) {
      Http http = new Http(app.port);
      Http.Reply sources = new Http(app.managementPort).get("/actuator/configsources");
      var apiKey = sources.json().get("properties").get("app.api-key");
      assertThat(apiKey.get("kind").asString()).isEqualTo("environment");
      assertThat(apiKey.get("origin").asString()).contains("APP_APIKEY");
      assertThat(sources.json().get("properties").get("app.environment").get("kind").asString()).isEqualTo("environment");
      assertThat(sources.raw().body()).doesNotContain(key);
      assertThat(http.get("/api/config-sources").status()).isEqualTo(404);

      String article = "{\"title\":\"From the environment\",\"body\":\"b\",\"author\":\"a\"}";
      assertThat(http.send("POST", "/api/articles", article, key).status()).isEqualTo(201);
      assertThat(http.send("POST", "/api/articles", article, "wrong").status()).isEqualTo(403);
      assertThat(app.logText()).doesNotContain(key);
    }
  }
}

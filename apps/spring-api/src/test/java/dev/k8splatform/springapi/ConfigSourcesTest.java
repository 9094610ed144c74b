package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;

/**
 * Settings and secrets read from folders of one file per property, as a mounted ConfigMap, a
 * Secret volume or the Vault agent deliver them; the management port's configsources endpoint
 * names their origins, never their values, and the API port does not serve it.
 */
class ConfigSourcesTest {
  static final String SECRET = "key-from-the-secrets-folder";
  static final String ENVIRONMENT = "staging-from-the-config-folder";
  static Path root;
  static ConfigurableApplicationContext context;
  static Http http;
  static Http management;

  @BeforeAll
  static void start() throws Exception {
    root = Files.createTempDirectory("spring-api-config");
    Files.createDirectories(root.resolve("config"));
    Files.createDirectories(root.resolve("secrets"));
    Files.writeString(root.resolve("config/app.environment"), ENVIRONMENT);
    Files.writeString(root.resolve("secrets/app.api-key"), SECRET);
    // The same import the manifests set through SPRING_CONFIG_IMPORT.
    context = new SpringApplication(SpringApiApplication.class).run(
        "--spring.config.import=optional:configtree:" + root.resolve("config") + "/,optional:configtree:"
            + root.resolve("secrets") + "/",
        "--server.port=0", "--server.address=127.0.0.1", "--management.server.port=0",
        "--management.server.address=127.0.0.1", "--spring.jmx.enabled=false");
    http = new Http(((WebServerApplicationContext) context).getWebServer().getPort());
    management = new Http(Integer.parseInt(context.getEnvironment().getProperty("local.management.port")));
  }

  @AfterAll
  static void stop() {
    context.close();
    FileSystemUtils.deleteRecursively(root.toFile());
  }

  @Test
  void namesEachPropertysSourceOnTheManagementPort() {
    Http.Reply reply = management.get("/actuator/configsources");
    assertThat(reply.status()).isEqualTo(200);
    JsonNode properties = reply.json().get("properties");
    assertThat(properties.get("app.api-key").get("kind").asString()).isEqualTo("secrets-folder");
    assertThat(properties.get("app.api-key").get("origin").asString())
        .contains(root.resolve("secrets/app.api-key").toString());
    assertThat(properties.get("app.environment").get("kind").asString()).isEqualTo("config-folder");
    assertThat(properties.get("app.environment").get("origin").asString())
        .contains(root.resolve("config/app.environment").toString());
    assertThat(properties.get("spring.datasource.password").get("set").asBoolean()).isFalse();
    assertThat(properties.get("server.port").get("kind").asString()).isEqualTo("command-line");
    assertThat(properties.get("spring.datasource.url").get("kind").asString()).isEqualTo("packaged-defaults");
    assertThat(properties.get("spring.datasource.url").get("origin").asString()).contains("application.yaml");
  }

  @Test
  void reportsOriginsOnlyNeverAValue() {
    Http.Reply reply = management.get("/actuator/configsources");
    JsonNode properties = reply.json().get("properties");
    assertThat(properties.propertyNames()).containsExactlyElementsOf(List.of("app.environment", "app.api-key",
        "spring.datasource.url", "spring.datasource.password", "server.port", "management.server.port"));
    properties.properties().forEach(property -> assertThat(property.getValue().propertyNames())
        .as(property.getKey()).isSubsetOf(Set.of("set", "source", "kind", "origin")));
    reply.json().get("sources").forEach(source ->
        assertThat(source.propertyNames()).containsExactlyInAnyOrder("name", "kind"));
    // Neither the secret nor a plain setting's value, nor the packaged database URL.
    assertThat(reply.raw().body()).doesNotContain(SECRET, ENVIRONMENT, "jdbc:h2");
  }

  @Test
  void theApiPortDoesNotServeTheReport() {
    Http.Reply old = http.get("/api/config-sources");
    assertThat(old.status()).isEqualTo(404);
    assertThat(old.raw().body()).doesNotContain("secrets-folder");
    assertThat(http.get("/actuator/configsources").status()).isEqualTo(404);
  }

  @Test
  void usesTheKeyFromTheSecretsFolderForWrites() {
    String article = "{\"title\":\"From a config tree\",\"body\":\"b\",\"author\":\"a\"}";
    assertThat(http.send("POST", "/api/articles", article, SECRET).status()).isEqualTo(201);
    assertThat(http.send("POST", "/api/articles", article.replace("From", "Not from"), "other").status())
        .isEqualTo(403);
  }
}

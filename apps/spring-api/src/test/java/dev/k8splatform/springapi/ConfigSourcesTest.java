package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * Settings and secrets read from folders of one file per property, as a mounted ConfigMap, a
 * Secret volume or the Vault agent deliver them; the endpoint names origins, never values.
 */
class ConfigSourcesTest {
  static final String SECRET = "key-from-the-secrets-folder";
  static Path root;
  static ConfigurableApplicationContext context;
  static Http http;

  @BeforeAll
  static void start() throws Exception {
    root = Files.createTempDirectory("spring-api-config");
    Files.createDirectories(root.resolve("config"));
    Files.createDirectories(root.resolve("secrets"));
    Files.writeString(root.resolve("config/app.environment"), "staging");
    Files.writeString(root.resolve("secrets/app.api-key"), SECRET);
    // The same import the manifests set through SPRING_CONFIG_IMPORT.
    context = new SpringApplication(SpringApiApplication.class).run(
        "--spring.config.import=optional:configtree:" + root.resolve("config") + "/,optional:configtree:"
            + root.resolve("secrets") + "/",
        "--server.port=0", "--server.address=127.0.0.1", "--management.server.port=0",
        "--management.server.address=127.0.0.1", "--spring.jmx.enabled=false");
    http = new Http(((WebServerApplicationContext) context).getWebServer().getPort());
  }

  @AfterAll
  static void stop() {
    context.close();
    FileSystemUtils.deleteRecursively(root.toFile());
  }

  @Test
  void namesEachPropertysSourceWithoutItsValue() {
    Http.Reply reply = http.get("/api/config-sources");
    assertThat(reply.status()).isEqualTo(200);
    var properties = reply.json().get("properties");
    assertThat(properties.get("app.api-key").get("kind").asString()).isEqualTo("secrets-folder");
    assertThat(properties.get("app.environment").get("kind").asString()).isEqualTo("config-folder");
    assertThat(properties.get("spring.datasource.password").get("set").asBoolean()).isFalse();
    assertThat(properties.get("server.port").get("kind").asString()).isEqualTo("command-line");
    assertThat(reply.raw().body()).doesNotContain(SECRET);
  }

  @Test
  void usesTheKeyFromTheSecretsFolderForWrites() {
    String article = "{\"title\":\"From a config tree\",\"body\":\"b\",\"author\":\"a\"}";
    assertThat(http.send("POST", "/api/articles", article, SECRET).status()).isEqualTo(201);
    assertThat(http.send("POST", "/api/articles", article.replace("From", "Not from"), "other").status())
        .isEqualTo(403);
  }
}

package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.util.FileSystemUtils;

/**
 * The PostgreSQL path against a real server on loopback: Flyway migrates, the API stores and
 * reads, the unique title holds, readiness includes the database, and the password arrives as
 * a file in the secrets folder exactly as a Secret volume or the Vault agent would put it.
 */
class PostgresIT {
  static PostgresServer postgres;
  static Path secrets;
  static ConfigurableApplicationContext context;

  static ConfigurableApplicationContext startApp(String jdbcUrl, Path secretsDir) {
    return new SpringApplication(SpringApiApplication.class).run(
        "--spring.config.import=optional:configtree:" + secretsDir + "/",
        "--spring.datasource.url=" + jdbcUrl, "--spring.datasource.username=" + PostgresServer.USER,
        "--server.port=0", "--server.address=127.0.0.1", "--management.server.port=0",
        "--management.server.address=127.0.0.1", "--spring.jmx.enabled=false");
  }

  @BeforeAll
  static void start() throws Exception {
    postgres = PostgresServer.start();
    secrets = Files.createTempDirectory("spring-api-secrets");
    Files.writeString(secrets.resolve("spring.datasource.password"), postgres.password);
    Files.writeString(secrets.resolve("app.api-key"), "pg-key");
    context = startApp(postgres.jdbcUrl(), secrets);
  }

  @AfterAll
  static void stop() throws Exception {
    if (context != null) context.close();
    if (postgres != null) postgres.close();
    if (secrets != null) FileSystemUtils.deleteRecursively(secrets.toFile());
  }

  private static int port() {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  @Test
  void migratesTheSchemaWithFlyway() throws Exception {
    try (var c = DriverManager.getConnection(postgres.jdbcUrl(), PostgresServer.USER, postgres.password);
         ResultSet rs = c.createStatement().executeQuery(
             "SELECT version, success FROM flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank")) {
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("version")).isEqualTo("1");
      assertThat(rs.getBoolean("success")).isTrue();
    }
  }

  @Test
  void storesReadsAndEnforcesUniqueTitles() {
    Http http = new Http(port());
    Http.Reply created = http.send("POST", "/api/articles", "{\"title\":\"On PostgreSQL\",\"body\":\"b\",\"author\":\"a\"}", "pg-key");
    assertThat(created.status()).isEqualTo(201);
    long id = created.json().get("id").asLong();
    assertThat(http.get("/api/articles/" + id).json().get("title").asString()).isEqualTo("On PostgreSQL");
    Http.Reply duplicate = http.send("POST", "/api/articles", "{\"title\":\"on postgresql\",\"body\":\"b\",\"author\":\"a\"}", "pg-key");
    assertThat(duplicate.status()).isEqualTo(409);
  }

  @Test
  void reportsTheDatabaseInReadinessAndThePasswordOrigin() {
    int management = Integer.parseInt(context.getEnvironment().getProperty("local.management.port", "0"));
    Http.Reply readiness = new Http(management).get("/actuator/health/readiness");
    assertThat(readiness.status()).isEqualTo(200);
    Http.Reply sources = new Http(management).get("/actuator/configsources");
    assertThat(sources.json().get("properties").get("spring.datasource.password").get("kind").asString())
        .isEqualTo("secrets-folder");
    assertThat(sources.raw().body()).doesNotContain(postgres.password);
  }

  @Test
  void refusesToStartWithAWrongPasswordAndDoesNotPrintIt() throws Exception {
    Path wrong = Files.createTempDirectory("spring-api-wrong");
    Files.writeString(wrong.resolve("spring.datasource.password"), "not-the-password");
    try {
      assertThatThrownBy(() -> startApp(postgres.jdbcUrl(), wrong))
          .hasStackTraceContaining("password authentication failed for user \"spring_api\"")
          .satisfies(e -> assertThat(stackTrace(e)).doesNotContain("not-the-password"));
    } finally {
      FileSystemUtils.deleteRecursively(wrong.toFile());
    }
  }

  private static String stackTrace(Throwable e) {
    var out = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(out));
    return out.toString();
  }
}

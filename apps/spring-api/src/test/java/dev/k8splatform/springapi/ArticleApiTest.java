package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.k8splatform.springapi.articles.ArticleRepository;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The articles API over real HTTP on loopback, with the embedded database. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "app.api-key=test-key", "server.address=127.0.0.1", "management.server.port=0",
    "management.server.address=127.0.0.1", "app.max-request-bytes=2048"})
class ArticleApiTest {
  static final String KEY = "test-key";
  static final String ARTICLE = "{\"title\":\"Kubernetes by hand\",\"body\":\"Four VMs.\",\"author\":\"Ada\"}";

  @LocalServerPort int port;
  @Autowired ArticleRepository repository;
  Http http;

  @BeforeEach
  void setUp() {
    repository.deleteAll();
    http = new Http(port);
  }

  private Http.Reply create(String body) {
    return http.send("POST", "/api/articles", body, KEY);
  }

  private static void assertProblem(Http.Reply r, int status, String slug) {
    assertThat(r.status()).as(r.raw().body()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().get("type").asString()).isEqualTo("https://k8s-platform.dev/problems/" + slug);
    assertThat(r.json().get("status").asInt()).isEqualTo(status);
  }

  @Test
  void createsReadsReplacesAndDeletes() {
    Http.Reply created = create(ARTICLE);
    assertThat(created.status()).isEqualTo(201);
    long id = created.json().get("id").asLong();
    assertThat(created.header("Location")).isEqualTo("/api/articles/" + id);
    assertThat(created.json().get("title").asString()).isEqualTo("Kubernetes by hand");

    assertThat(http.get("/api/articles/" + id).json().get("author").asString()).isEqualTo("Ada");

    Http.Reply replaced = http.send("PUT", "/api/articles/" + id,
        "{\"title\":\"Kubernetes as code\",\"body\":\"One repo.\",\"author\":\"Ada\"}", KEY);
    assertThat(replaced.status()).isEqualTo(200);
    assertThat(replaced.json().get("version").asLong()).isEqualTo(1);

    assertThat(http.send("DELETE", "/api/articles/" + id, null, KEY).status()).isEqualTo(204);
    assertProblem(http.get("/api/articles/" + id), 404, "not-found");
  }

  @Test
  void paginates() {
    for (int i = 0; i < 5; i++) create("{\"title\":\"t" + i + "\",\"body\":\"b\",\"author\":\"a\"}");
    Http.Reply page = http.get("/api/articles?page=1&size=2");
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.json().get("items").size()).isEqualTo(2);
    assertThat(page.json().get("items").get(0).get("title").asString()).isEqualTo("t2");
    assertThat(page.json().get("totalItems").asLong()).isEqualTo(5);
    assertThat(page.json().get("totalPages").asInt()).isEqualTo(3);
    assertProblem(http.get("/api/articles?size=101"), 400, "invalid-parameter");
    assertProblem(http.get("/api/articles?page=-1"), 400, "invalid-parameter");
  }

  @Test
  void writesNeedTheKey() {
    assertProblem(http.send("POST", "/api/articles", ARTICLE, null), 401, "api-key-missing");
    assertThat(http.send("POST", "/api/articles", ARTICLE, null).header("WWW-Authenticate")).contains("X-API-Key");
    assertProblem(http.send("POST", "/api/articles", ARTICLE, "wrong"), 403, "api-key-invalid");
    assertProblem(http.send("DELETE", "/api/articles/1", null, "wrong"), 403, "api-key-invalid");
    assertThat(http.get("/api/articles").status()).isEqualTo(200);
    assertThat(repository.count()).isZero();
  }

  @Test
  void refusesDuplicateTitlesRegardlessOfCase() {
    create(ARTICLE);
    Http.Reply again = create(ARTICLE.replace("Kubernetes by hand", "  KUBERNETES BY HAND "));
    assertProblem(again, 409, "duplicate-title");
    assertThat(repository.count()).isEqualTo(1);
  }

  @Test
  void rejectsBadBodiesAndStoresNothing() {
    Http.Reply missing = create("{\"title\":\"only a title\"}");
    assertProblem(missing, 400, "validation");
    assertThat(missing.json().get("errors").toString())
        .isEqualTo("[{\"field\":\"author\",\"message\":\"must not be blank\"},{\"field\":\"body\",\"message\":\"must not be blank\"}]");
    assertProblem(create("{\"title\":"), 400, "malformed-body");
    assertProblem(create("{\"title\":\"t\",\"body\":5,\"author\":\"a\"}"), 400, "malformed-body");
    assertProblem(create("{\"title\":\"t\",\"body\":\"b\",\"author\":\"a\",\"id\":7}"), 400, "malformed-body");
    assertProblem(create("[]"), 400, "malformed-body");
    assertProblem(create("{\"title\":\"" + "x".repeat(201) + "\",\"body\":\"b\",\"author\":\"a\"}"), 400, "validation");
    assertProblem(http.get("/api/articles/abc"), 400, "invalid-parameter");
    assertProblem(http.get("/api/articles/999"), 404, "not-found");
    assertThat(repository.count()).isZero();
  }

  @Test
  void rejectsOversizeBodiesWithOrWithoutContentLength() {
    String big = "{\"title\":\"t\",\"body\":\"" + "x".repeat(4000) + "\",\"author\":\"a\"}";
    assertProblem(create(big), 413, "payload-too-large");
    // Chunked: no Content-Length, so the limit is enforced while reading.
    String chunk = Integer.toHexString(big.length()) + "\r\n" + big + "\r\n0\r\n\r\n";
    String request = "POST /api/articles HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "X-API-Key: " + KEY + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" + chunk;
    String response = Http.raw(port, request);
    assertThat(response).startsWith("HTTP/1.1 413");
    assertThat(response).contains("payload-too-large");
    assertThat(repository.count()).isZero();
  }

  @Test
  void describesItselfWithOpenApi() {
    Http.Reply docs = http.get("/v3/api-docs");
    assertThat(docs.status()).isEqualTo(200);
    assertThat(docs.json().get("paths").has("/api/articles/{id}")).isTrue();
  }

  @Test
  void keepsActuatorOffTheApiPort() {
    assertThat(http.get("/actuator/health").status()).isEqualTo(404);
  }
}

package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.k8splatform.springapi.articles.ArticleRepository;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * Errors found by schemathesis and by hand, each a 4xx RFC 9457 problem rather than a 500 or
 * the container's own JSON, and each logged once at INFO without a stack trace.
 */
@ExtendWith(OutputCaptureExtension.class)
@Import(ErrorContractTest.Failing.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "app.api-key=test-key", "server.address=127.0.0.1", "management.server.port=0",
    "management.server.address=127.0.0.1"})
class ErrorContractTest {
  static final String KEY = "test-key";
  static final String PROBLEMS = "https://k8s-platform.dev/problems/";

  @LocalServerPort int port;
  @Autowired ArticleRepository repository;
  Http http;

  /** A handler that fails as a bug would; only this test imports it. */
  @RestController
  static class Failing {
    @GetMapping("/test/failure")
    String fail() {
      throw new IllegalStateException("a bug, not the client's fault");
    }
  }

  @BeforeEach
  void setUp() {
    repository.deleteAll();
    http = new Http(port);
  }

  private static void assertProblem(Http.Reply r, int status, String slug) {
    assertThat(r.status()).as(r.raw().body()).isEqualTo(status);
    assertThat(r.header("Content-Type")).startsWith("application/problem+json");
    assertThat(r.json().get("type").asString()).isEqualTo(PROBLEMS + slug);
    assertThat(r.json().get("status").asInt()).isEqualTo(status);
  }

  private String rawGet(String target) {
    return Http.raw(port, "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  }

  /** What the application logged (ECS JSON lines) while the requests ran. */
  private static String logOf(CapturedOutput output, Runnable requests) {
    int start = output.getOut().length();
    requests.run();
    return output.getOut().substring(start);
  }

  /** The lines of the Problems logger, parsed. */
  private static List<JsonNode> problemLines(String log) {
    return log.lines()
        .filter(l -> l.startsWith("{") && l.contains("\"dev.k8splatform.springapi.web.Problems\""))
        .map(Http.JSON::readTree)
        .toList();
  }

  @Test
  void malformedQueryStringsAreProblemsOnEveryPath() {
    // Tomcat refused these with an exception that escaped as Spring Boot's {"timestamp"...} 400,
    // logged at ERROR with a stack trace; where no parameter is read they were ignored.
    for (String target : List.of("/api/articles?=x", "/api/articles?page=1&=2", "/api/articles?a=%zz",
        "/api/articles/1?=x", "/api/nowhere?a=%zz", "/v3/api-docs?=x")) {
      String response = rawGet(target);
      assertThat(response).as(target).startsWith("HTTP/1.1 400");
      assertThat(response).contains("application/problem+json");
      assertThat(response).contains("\"type\":\"" + PROBLEMS + "malformed-query\"");
      assertThat(response).doesNotContain("%zz");
    }
  }

  @Test
  void aPageWhoseOffsetWouldOverflowIsRefused() {
    // page × size beyond Integer.MAX_VALUE was a 500 from Spring Data JPA.
    Http.Reply overflow = http.get("/api/articles?page=134217729&size=34");
    assertProblem(overflow, 400, "invalid-parameter");
    assertThat(overflow.json().get("errors").get(0).get("field").asString()).isEqualTo("page");
    assertProblem(http.get("/api/articles?page=21474837&size=1"), 400, "invalid-parameter");
    assertProblem(http.get("/api/articles?page=2147483648"), 400, "invalid-parameter");
    Http.Reply last = http.get("/api/articles?page=21474836&size=100");
    assertThat(last.status()).isEqualTo(200);
    assertThat(last.json().get("items").size()).isZero();
  }

  @Test
  void wholeNumbersArePlainDecimals() {
    // Spring's default editor read these as 16, 1 and 10.
    assertProblem(http.get("/api/articles/0x10"), 400, "invalid-parameter");
    assertProblem(http.get("/api/articles/%2B1"), 400, "invalid-parameter");
    assertProblem(http.get("/api/articles?size=%2010"), 400, "invalid-parameter");
    assertProblem(http.get("/api/articles?page=%231"), 400, "invalid-parameter");
    assertProblem(http.get("/api/articles/9223372036854775808"), 400, "invalid-parameter");
    assertProblem(http.get("/api/articles/-1"), 404, "not-found");
    // An empty value means the default, as the document's allowEmptyValue says.
    Http.Reply empty = http.get("/api/articles?page=&size=");
    assertThat(empty.status()).isEqualTo(200);
    assertThat(empty.json().get("size").asInt()).isEqualTo(20);
  }

  @Test
  void aMultipartContentTypeIsNotParsed() {
    // Without a boundary this was a 500: the container tried to parse the multipart body.
    Http.Reply read = http.send("GET", "/api/articles", null, null, "Content-Type", "multipart/form-data");
    assertThat(read.status()).isEqualTo(200);
    assertProblem(http.send("DELETE", "/api/articles/1", null, KEY, "Content-Type", "multipart/form-data"), 404, "not-found");
    assertProblem(http.send("POST", "/api/articles", "x", KEY, "Content-Type", "multipart/form-data"), 415,
        "unsupported-media-type");
  }

  @Test
  void theFrameworksOwnErrorsHaveStableTypes() {
    // Spring left these without a type (about:blank).
    Http.Reply patch = http.send("PATCH", "/api/articles", "{}", KEY);
    assertProblem(patch, 405, "method-not-allowed");
    assertThat(patch.header("Allow")).contains("GET").contains("POST");
    assertProblem(http.send("GET", "/api/articles", null, null, "Accept", "text/html"), 406, "not-acceptable");
    assertProblem(http.send("POST", "/api/articles", "{}", KEY, "Content-Type", "text/plain"), 415, "unsupported-media-type");
    assertProblem(http.send("POST", "/api/articles", null, KEY, "Accept", "application/json"), 415,
        "unsupported-media-type");
    assertProblem(http.get("/no/such/path"), 404, "not-found");
    // TRACE is refused by Tomcat before Spring MVC; the error page was Spring Boot's JSON.
    assertProblem(http.send("TRACE", "/api/articles", null, null), 405, "method-not-allowed");
    assertThat(repository.count()).isZero();
  }

  @Test
  void aClientsMistakeIsLoggedOnceAtInfoWithoutAStackTrace(CapturedOutput output) {
    String log = logOf(output, () -> {
      rawGet("/api/articles?=x");
      http.get("/api/articles?page=134217729&size=34");
      http.send("PATCH", "/api/articles", "{}", KEY);
      http.send("POST", "/api/articles", "{}", null);
    });
    List<JsonNode> lines = problemLines(log);
    assertThat(lines).extracting(l -> l.get("message").asString()).containsExactly(
        "400 malformed-query for GET /api/articles: The query string cannot be parsed: each parameter needs a name, "
            + "percent-encoding must be valid UTF-8, and the number of parameters is limited.",
        "400 invalid-parameter for GET /api/articles: Request parameters are invalid.",
        "405 method-not-allowed for PATCH /api/articles: Method 'PATCH' is not supported.",
        "401 api-key-missing for /api/articles: Write operations need the X-API-Key header.");
    assertThat(lines).allSatisfy(l -> {
      assertThat(l.get("log").get("level").asString()).isEqualTo("INFO");
      assertThat(l.has("error")).isFalse();
    });
    // Nothing else logged them: no WARN from Spring, no ERROR with a stack trace from Tomcat.
    assertThat(log.lines()).hasSize(lines.size());
  }

  @Test
  void aRequestTomcatCannotParseLeavesNoStackTraceInTheLog(CapturedOutput output) {
    // Tomcat answers these itself, before any filter; its first one was logged with a stack trace.
    String log = logOf(output, () -> assertThat(Http.raw(port,
        "GET /api/articles HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Probe: a\u0000b\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 400"));
    assertThat(log).doesNotContain("stack_trace");
  }

  @Test
  void aServerFaultIsA500ProblemLoggedWithItsStackTrace(CapturedOutput output) {
    Http.Reply[] failure = new Http.Reply[1];
    String log = logOf(output, () -> failure[0] = http.get("/test/failure"));
    assertProblem(failure[0], 500, "internal-error");
    assertThat(failure[0].raw().body()).doesNotContain("a bug");
    JsonNode line = problemLines(log).get(0);
    assertThat(line.get("log").get("level").asString()).isEqualTo("ERROR");
    assertThat(line.get("error").get("stack_trace").asString()).contains("a bug, not the client's fault");
  }

  @Test
  void titlesAreCountedInCodePointsAndStoredWhole() {
    String emoji = "\uD83D\uDCDA"; // one code point, two UTF-16 units
    String manyEmoji = "{\"title\":\"" + emoji.repeat(200) + "\",\"body\":\"" + emoji.repeat(10_000)
        + "\",\"author\":\"" + emoji.repeat(100) + "\"}";
    Http.Reply created = http.send("POST", "/api/articles", manyEmoji, KEY);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
    assertThat(created.json().get("title").asString()).isEqualTo(emoji.repeat(200));
    assertProblem(http.send("POST", "/api/articles", manyEmoji.replace("\"title\":\"", "\"title\":\"x"), KEY), 400,
        "validation");
    // 'İ' lower-cases to two characters: its title key is twice as long as the title. This was a
    // "value too long" from the database, reported as a duplicate title.
    String dotted = "{\"title\":\"" + "\u0130".repeat(200) + "\",\"body\":\"b\",\"author\":\"a\"}";
    assertThat(http.send("POST", "/api/articles", dotted, KEY).status()).isEqualTo(201);
    assertProblem(http.send("POST", "/api/articles", dotted, KEY), 409, "duplicate-title");
    assertThat(repository.count()).isEqualTo(2);
  }
}

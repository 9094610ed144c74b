package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The OpenAPI document states what the API does: every status each operation answers, the API
 * key on exactly the writes (checked against the running filter), problem+json for every error,
 * every response field required and none nullable, and request constraints that agree with the
 * validators. Schemathesis checks the same document against the running jar in `npm run verify`.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "app.api-key=test-key", "server.address=127.0.0.1", "management.server.port=0",
    "management.server.address=127.0.0.1"})
class OpenApiDocumentTest {
  static final String KEY = "test-key";

  @LocalServerPort int port;
  Http http;
  JsonNode doc;

  @BeforeEach
  void setUp() {
    http = new Http(port);
    doc = http.get("/v3/api-docs").json();
  }

  /** "METHOD path" of every documented operation, with its operation object. */
  private Map<String, JsonNode> operations() {
    Map<String, JsonNode> all = new TreeMap<>();
    doc.get("paths").properties().forEach(path -> path.getValue().properties().forEach(
        op -> all.put(op.getKey().toUpperCase() + " " + path.getKey(), op.getValue())));
    return all;
  }

  private JsonNode schema(String name) {
    return doc.get("components").get("schemas").get(name);
  }

  @Test
  void listsEveryStatusEachOperationAnswers() {
    Map<String, List<String>> statuses = new TreeMap<>();
    operations().forEach((name, op) -> statuses.put(name, new ArrayList<>(op.get("responses").propertyNames())));
    assertThat(statuses).isEqualTo(Map.of(
        "GET /api/articles", List.of("200", "400", "406"),
        "POST /api/articles", List.of("201", "400", "401", "403", "406", "409", "413", "415"),
        "GET /api/articles/{id}", List.of("200", "400", "404", "406"),
        "PUT /api/articles/{id}", List.of("200", "400", "401", "403", "404", "406", "409", "413", "415"),
        "DELETE /api/articles/{id}", List.of("204", "400", "401", "403", "404", "406")));
  }

  @Test
  void describesEveryErrorAsAProblemAndEverySuccessAsJson() {
    operations().forEach((name, op) -> op.get("responses").properties().forEach(response -> {
      String code = response.getKey();
      JsonNode content = response.getValue().get("content");
      if (code.equals("204")) {
        assertThat(content).as(name + " " + code).isNull();
      } else if (code.startsWith("2")) {
        assertThat(content.propertyNames()).as(name + " " + code).containsExactly("application/json");
      } else {
        assertThat(content.get("application/problem+json").get("schema").get("$ref").asString())
            .as(name + " " + code).isEqualTo("#/components/schemas/Problem");
      }
    }));
    assertThat(schema("Problem").get("required").toString())
        .isEqualTo("[\"detail\",\"instance\",\"status\",\"title\",\"type\"]");
    assertThat(operations().get("POST /api/articles").get("responses").get("201").get("headers").has("Location")).isTrue();
  }

  @Test
  void requiresTheKeyOnExactlyTheWritesAsTheFilterDoes() {
    JsonNode scheme = doc.get("components").get("securitySchemes").get("ApiKey");
    assertThat(scheme.toString()).contains("\"type\":\"apiKey\"", "\"name\":\"X-API-Key\"", "\"in\":\"header\"");
    operations().forEach((name, op) -> {
      String method = name.substring(0, name.indexOf(' '));
      boolean write = !Set.of("GET", "HEAD", "OPTIONS").contains(method);
      assertThat(op.has("security")).as(name).isEqualTo(write);
      if (write) {
        String path = name.substring(name.indexOf(' ') + 1).replace("{id}", "1");
        Http.Reply without = http.send(method, path, "{}", null);
        assertThat(without.status()).as(name + " without a key").isEqualTo(401);
        assertThat(http.send(method, path, "{}", "wrong").status()).as(name + " with a wrong key").isEqualTo(403);
      }
    });
  }

  @Test
  void refusesUnknownFieldsAndRequiresEveryResponseField() {
    JsonNode request = schema("ArticleRequest");
    assertThat(request.get("additionalProperties").asBoolean(true)).isFalse();
    assertThat(request.get("required").toString()).isEqualTo("[\"author\",\"body\",\"title\"]");
    for (String response : List.of("ArticleResponse", "ArticlePage")) {
      JsonNode schema = schema(response);
      assertThat(schema.get("required")).as(response).hasSize(schema.get("properties").size());
      // No field of the API's responses is ever null, and the document says so.
      schema.get("properties").properties().forEach(field -> assertThat(field.getValue().toString())
          .as(response + "." + field.getKey()).doesNotContain("\"null\""));
    }
    assertThat(schema("ArticleResponse").get("required")).hasSize(7);
    // The configuration report moved to the management port: it is no part of the API's contract.
    assertThat(doc.get("components").get("schemas").has("Origin")).isFalse();
  }

  @Test
  void statesTheTextRulesAsTheValidatorsApplyThem() {
    JsonNode title = schema("ArticleRequest").get("properties").get("title");
    assertThat(title.get("minLength").asInt()).isEqualTo(1);
    assertThat(title.get("maxLength").asInt()).isEqualTo(200);
    assertThat(schema("ArticleRequest").get("properties").get("body").get("maxLength").asInt()).isEqualTo(10_000);
    // JSON Schema patterns are unanchored: a text matches when one of its characters does. For
    // every character, that must agree with @NotBlank (String.isBlank).
    Pattern notBlank = Pattern.compile(title.get("pattern").asString());
    for (char c = 0; c < Character.MAX_VALUE; c++) {
      String text = String.valueOf(c);
      assertThat(notBlank.matcher(text).find()).as("U+%04X", (int) c).isEqualTo(!text.isBlank());
    }
    String whitespace = "{\"title\":\"\\u2003\",\"body\":\"b\",\"author\":\"a\"}";
    assertThat(http.send("POST", "/api/articles", whitespace, KEY).status()).isEqualTo(400);
  }

  @Test
  void theLargestValidArticleFitsTheDefaultBodyLimit() {
    // Every code point an escaped surrogate pair: 12 bytes each, about 121 KiB in all.
    String astral = "\\uD83D\\uDCDA";
    String largest = "{\"title\":\"" + astral.repeat(200) + "\",\"body\":\"" + astral.repeat(10_000)
        + "\",\"author\":\"" + astral.repeat(100) + "\"}";
    assertThat(largest.length()).isGreaterThan(120_000);
    Http.Reply created = http.send("POST", "/api/articles", largest, KEY);
    assertThat(created.status()).as(created.raw().body()).isEqualTo(201);
  }
}

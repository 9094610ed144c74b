package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.k8splatform.springapi.articles.Article;
import dev.k8splatform.springapi.articles.ArticleRepository;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * No spelling of a write route gets past the API key. Before the filter decided on the method
 * alone, "/api/%61rticles" and "/api/articles;x=1" reached the controller without a key.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "app.api-key=" + ApiKeySpellingsTest.KEY, "server.address=127.0.0.1", "management.server.port=0",
    "management.server.address=127.0.0.1"})
class ApiKeySpellingsTest {
  static final String KEY = "test-key";

  @LocalServerPort int port;
  @Autowired ArticleRepository repository;
  Article seeded;

  @BeforeEach
  void seed() {
    repository.deleteAll();
    Http.Reply created = new Http(port).send("POST", "/api/articles", ArticleApiTest.ARTICLE, KEY);
    assertThat(created.status()).isEqualTo(201);
    seeded = repository.findById(created.json().get("id").asLong()).orElseThrow();
  }

  @Test
  void noSpellingOfAWriteRouteWritesWithoutTheRightKey() {
    List<WriteSpellings.Attempt> attempts = WriteSpellings.attempt(port, seeded.getId(), Arrays.asList(null, "wrong"));
    System.out.println("write attempts without the right key, by status: " + WriteSpellings.histogram(attempts));
    System.out.println("spellings Tomcat refuses before routing (400): " + attempts.stream()
        .filter(a -> a.status() == 400).map(WriteSpellings.Attempt::target).distinct().toList());
    WriteSpellings.assertNothingWritten(attempts, repository, seeded);
    // Every spelling the application itself sees is refused for want of a key, not routed away.
    assertThat(attempts).filteredOn(a -> a.key() == null && a.status() != 400).allMatch(a -> a.status() == 401);
    assertThat(attempts).filteredOn(a -> a.key() != null && a.status() != 400).allMatch(a -> a.status() == 403);
  }

  @Test
  void theSpellingsReallyReachTheController() {
    // With the right key, the spellings that used to bypass the filter create and delete: the
    // refusals above come from the key check, not from the router ignoring these paths.
    Http.Reply viaEncodedLetter = raw("POST", "/api/%61rticles", WriteSpellings.BYPASS.replace("bypass", "one"));
    assertThat(viaEncodedLetter.status()).isEqualTo(201);
    Http.Reply viaPathParameter = raw("POST", "/api/articles;x=1", WriteSpellings.BYPASS.replace("bypass", "two"));
    assertThat(viaPathParameter.status()).isEqualTo(201);
    assertThat(raw("DELETE", "/api/articles/" + seeded.getId() + ";x=1", null).status()).isEqualTo(204);
    assertThat(repository.count()).isEqualTo(2);
  }

  @Test
  void readsStayOpenWhateverTheSpelling() {
    for (String target : PathSpellings.load(port, seeded.getId())) {
      assertThat(RawHttp.send(port, "GET", target, null, null).status()).as(target).isIn(200, 400, 404);
    }
    assertThat(RawHttp.send(port, "GET", "/api/%61rticles/" + seeded.getId(), null, null).status()).isEqualTo(200);
  }

  private Http.Reply raw(String method, String target, String body) {
    RawHttp.Response r = RawHttp.send(port, method, target, body, KEY);
    return new Http.Reply(r.status(), null, null);
  }
}

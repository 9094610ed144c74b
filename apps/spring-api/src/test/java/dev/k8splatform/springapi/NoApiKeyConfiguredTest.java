package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.k8splatform.springapi.articles.Article;
import dev.k8splatform.springapi.articles.ArticleRepository;
import dev.k8splatform.springapi.articles.ArticleRequest;
import dev.k8splatform.springapi.articles.ArticleService;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

/** A server without a key accepts no write at all, under any spelling of any route and any key. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT, properties = {
    "server.address=127.0.0.1", "management.server.port=0", "management.server.address=127.0.0.1"})
class NoApiKeyConfiguredTest {

  @LocalServerPort int port;
  @Autowired ArticleRepository repository;
  @Autowired ArticleService service;

  @Test
  void refusesEveryWrite() {
    repository.deleteAll();
    // Seeded through the service: over HTTP this server accepts no write, which is the point.
    Article seeded = service.create(new ArticleRequest("Kubernetes by hand", "Four VMs.", "Ada"));
    List<WriteSpellings.Attempt> attempts =
        WriteSpellings.attempt(port, seeded.getId(), Arrays.asList(null, "", "any-key"));
    System.out.println("write attempts with no key configured, by status: " + WriteSpellings.histogram(attempts));
    WriteSpellings.assertNothingWritten(attempts, repository, seeded);
    assertThat(attempts).filteredOn(a -> "any-key".equals(a.key()) && a.status() != 400)
        .isNotEmpty()
        .allMatch(a -> a.status() == 403);
  }
}

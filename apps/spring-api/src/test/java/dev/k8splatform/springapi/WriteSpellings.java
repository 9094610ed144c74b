package dev.k8splatform.springapi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.k8splatform.springapi.articles.Article;
import dev.k8splatform.springapi.articles.ArticleRepository;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Tries every write method with every spelling of the write routes (see {@link PathSpellings})
 * against a running server, and checks that none of them wrote.
 */
final class WriteSpellings {
  static final String BYPASS = "{\"title\":\"bypass\",\"body\":\"written without the key\",\"author\":\"mallory\"}";
  static final List<String> METHODS = List.of("POST", "PUT", "PATCH", "DELETE");
  /** Statuses that refuse a request; anything else (a 2xx, a 500) fails the test. */
  static final Set<Integer> REFUSALS = Set.of(400, 401, 403, 404, 405);

  private WriteSpellings() {}

  record Attempt(String method, String target, String key, int status) {
    @Override
    public String toString() {
      return method + " " + target + (key == null ? " (no key)" : " (key '" + key + "')") + " -> " + status;
    }
  }

  /** Every method, route spelling and key given, against the article {@code id}. */
  static List<Attempt> attempt(int port, long id, List<String> keys) {
    List<Attempt> attempts = new ArrayList<>();
    for (String target : PathSpellings.load(port, id)) {
      for (String method : METHODS) {
        for (String key : keys) {
          String body = method.equals("DELETE") ? null : BYPASS;
          attempts.add(new Attempt(method, target, key, RawHttp.send(port, method, target, body, key).status()));
        }
      }
    }
    return attempts;
  }

  /** How many attempts ended with each status, for the failure message and the build log. */
  static Map<Integer, Long> histogram(List<Attempt> attempts) {
    return attempts.stream().collect(Collectors.groupingBy(Attempt::status, TreeMap::new, Collectors.counting()));
  }

  /** No attempt succeeded and the stored article is exactly as it was. */
  static void assertNothingWritten(List<Attempt> attempts, ArticleRepository repository, Article before) {
    List<Attempt> accepted = attempts.stream().filter(a -> !REFUSALS.contains(a.status())).toList();
    assertThat(accepted).as("write attempts that were not refused").isEmpty();
    assertThat(repository.count()).isEqualTo(1);
    Article after = repository.findById(before.getId()).orElseThrow();
    assertThat(after.getTitle()).isEqualTo(before.getTitle());
    assertThat(after.getVersion()).isEqualTo(before.getVersion());
  }
}

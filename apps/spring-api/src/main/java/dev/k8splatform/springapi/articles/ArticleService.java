package dev.k8splatform.springapi.articles;

import java.time.Clock;
import java.time.Instant;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Sort;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** The catalogue's rules: titles are unique (case-insensitive), ids are server-assigned. */
@Service
public class ArticleService {

  private final ArticleRepository repository;
  private final Clock clock;

  public ArticleService(ArticleRepository repository) {
    this.repository = repository;
    this.clock = Clock.systemUTC();
  }

  @Transactional(readOnly = true)
  public Page<Article> list(int page, int size) {
    return repository.findAll(PageRequest.of(page, size, Sort.by("id")));
  }

  @Transactional(readOnly = true)
  public Article get(long id) {
    return repository.findById(id).orElseThrow(() -> new ArticleNotFoundException(id));
  }

  @Transactional
  public Article create(ArticleRequest request) {
    String title = request.title().strip();
    if (repository.existsByTitleKey(Article.titleKey(title))) throw new DuplicateTitleException(title);
    return saveUnique(new Article(request, now()), title);
  }

  @Transactional
  public Article replace(long id, ArticleRequest request) {
    Article article = get(id);
    String title = request.title().strip();
    if (repository.existsByTitleKeyAndIdNot(Article.titleKey(title), id)) throw new DuplicateTitleException(title);
    article.apply(request, now());
    return saveUnique(article, title);
  }

  @Transactional
  public void delete(long id) {
    repository.delete(get(id));
  }

  // The unique index is the final word when two requests race past the check above.
  private Article saveUnique(Article article, String title) {
    try {
      return repository.saveAndFlush(article);
    } catch (DataIntegrityViolationException e) {
      throw new DuplicateTitleException(title);
    }
  }

  private Instant now() {
    return Instant.now(clock);
  }
}

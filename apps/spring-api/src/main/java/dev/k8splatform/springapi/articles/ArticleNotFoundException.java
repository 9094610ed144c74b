package dev.k8splatform.springapi.articles;

/** No article has the requested id (404). */
public class ArticleNotFoundException extends RuntimeException {
  private final long id;

  public ArticleNotFoundException(long id) {
    super("No article with id " + id);
    this.id = id;
  }

  public long id() { return id; }
}

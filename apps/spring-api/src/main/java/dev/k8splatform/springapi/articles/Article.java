package dev.k8splatform.springapi.articles;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;

/**
 * One article of the catalogue. The schema is owned by Flyway (db/migration); column lengths are
 * twice the API's limits in code points, the most a text (or the title's lower-cased key) can take
 * in UTF-16 units.
 */
@Entity
@Table(name = "article")
public class Article {

  @Id
  @GeneratedValue(strategy = GenerationType.IDENTITY)
  private Long id;

  @Column(nullable = false, length = 2 * ArticleRequest.TITLE_MAX)
  private String title;

  @Column(name = "title_key", nullable = false, unique = true, length = 2 * ArticleRequest.TITLE_MAX)
  private String titleKey;

  @Column(nullable = false, length = 2 * ArticleRequest.BODY_MAX)
  private String body;

  @Column(nullable = false, length = 2 * ArticleRequest.AUTHOR_MAX)
  private String author;

  @Column(name = "created_at", nullable = false)
  private Instant createdAt;

  @Column(name = "updated_at", nullable = false)
  private Instant updatedAt;

  @Version
  @Column(nullable = false)
  private long version;

  protected Article() {}

  Article(ArticleRequest request, Instant now) {
    apply(request, now);
    this.createdAt = now;
  }

  void apply(ArticleRequest request, Instant now) {
    this.title = request.title().strip();
    this.titleKey = titleKey(title);
    this.body = request.body();
    this.author = request.author().strip();
    this.updatedAt = now;
  }

  /** The case-insensitive identity of a title. */
  static String titleKey(String title) {
    return title.strip().toLowerCase(java.util.Locale.ROOT);
  }

  public Long getId() { return id; }
  public String getTitle() { return title; }
  public String getBody() { return body; }
  public String getAuthor() { return author; }
  public Instant getCreatedAt() { return createdAt; }
  public Instant getUpdatedAt() { return updatedAt; }
  public long getVersion() { return version; }
}

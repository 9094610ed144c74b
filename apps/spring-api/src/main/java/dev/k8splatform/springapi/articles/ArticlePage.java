package dev.k8splatform.springapi.articles;

import java.util.List;
import org.springframework.data.domain.Page;

/** One page of articles, with what a client needs to fetch the next. */
public record ArticlePage(List<ArticleResponse> items, int page, int size, long totalItems, int totalPages) {

  static ArticlePage of(Page<Article> page) {
    return new ArticlePage(
        page.map(ArticleResponse::of).getContent(),
        page.getNumber(),
        page.getSize(),
        page.getTotalElements(),
        page.getTotalPages());
  }
}

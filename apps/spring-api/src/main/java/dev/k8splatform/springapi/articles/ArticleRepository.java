package dev.k8splatform.springapi.articles;

import org.springframework.data.jpa.repository.JpaRepository;

public interface ArticleRepository extends JpaRepository<Article, Long> {

  boolean existsByTitleKey(String titleKey);

  boolean existsByTitleKeyAndIdNot(String titleKey, Long id);
}

package dev.k8splatform.springapi.articles;

/** Another article already has this title (409). */
public class DuplicateTitleException extends RuntimeException {
  public DuplicateTitleException(String title) {
    super("An article titled \"" + title + "\" already exists");
  }
}

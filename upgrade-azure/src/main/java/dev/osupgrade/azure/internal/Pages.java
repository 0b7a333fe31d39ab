package dev.osupgrade.azure.internal;

import com.azure.core.http.rest.PagedIterable;
import com.azure.core.http.rest.PagedResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Reads every page of a listing, refusing a {@code nextLink} that loops. */
final class Pages {
  private Pages() {}

  /**
   * Collects every item of every page.
   *
   * @param pages the listing
   * @param what what is listed, for the message
   * @param <T> the item type
   * @return the items, in ARM's order
   * @throws IllegalStateException when a {@code nextLink} comes back a second time
   */
  static <T> List<T> all(PagedIterable<T> pages, String what) {
    List<T> items = new ArrayList<>();
    Set<String> links = new HashSet<>();
    for (PagedResponse<T> page : pages.iterableByPage()) {
      for (T item : page.getValue()) {
        if (item != null) {
          items.add(item);
        }
      }
      String next = page.getContinuationToken();
      if (next != null && !links.add(next)) {
        throw new IllegalStateException("the listing of " + what + " loops: nextLink " + next + " came back");
      }
    }
    return items;
  }
}

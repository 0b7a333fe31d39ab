package dev.osupgrade.azure;

import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What WireMock's journal says the adapter sent, in the words the tests compare; and the bodies they send back. */
final class ArmJournal {
  private ArmJournal() {}

  /**
   * @param arm the server
   * @return the requests, oldest first, as {@code "METHOD suffix"} where the suffix follows the scale set's path
   *     ({@code "GET "}, {@code "PATCH "}, {@code "POST /manualupgrade"}), long-running-operation polls left out
   */
  static List<String> requests(WireMockExtension arm) {
    List<String> out = new ArrayList<>();
    List<ServeEvent> events = new ArrayList<>(arm.getAllServeEvents());
    Collections.reverse(events);
    for (ServeEvent e : events) {
      String url = e.getRequest().getUrl();
      String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
      if (path.startsWith("/operations/")) {
        continue;
      }
      String web = ArmServer.webPath();
      out.add(e.getRequest().getMethod() + " " + (path.startsWith(web) ? path.substring(web.length()) : path));
    }
    return out;
  }

  /** @return the requests that could change something (anything but GET) */
  static List<String> changes(WireMockExtension arm) {
    return requests(arm).stream().filter(r -> !r.startsWith("GET ")).toList();
  }

  /**
   * The web scale set ({@code vmss-web-rolling.json}) in Manual mode, without automatic OS upgrade, its model pinned.
   *
   * @param etag the etag, without quotes
   * @param version the model's image version
   * @return the body
   */
  static String manualModel(String etag, String version) {
    return ArmServer.body("vmss-web-rolling.json").replace("\"mode\": \"Rolling\"", "\"mode\": \"Manual\"")
        .replace("\"etag\": \"\\\"3\\\"\"", "\"etag\": \"\\\"" + etag + "\\\"\"")
        .replace("\"version\": \"latest\"", "\"version\": \"" + version + "\"")
        .replace("\"enableAutomaticOSUpgrade\": true", "\"enableAutomaticOSUpgrade\": false");
  }

  /** @return ARM's error body ({@code CloudError}) */
  static String error(String code, String message) {
    return "{\"error\": {\"code\": \"" + code + "\", \"message\": \"" + message.replace("\"", "\\\"") + "\"}}";
  }
}

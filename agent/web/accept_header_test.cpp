#include "agent/web/accept_header.hpp"

#include <gtest/gtest.h>

namespace opsagent::web {
namespace {

TEST(AcceptHeader, BrowsersAndTiesGetThePage) {
  EXPECT_TRUE(wants_html(
      "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"));
  EXPECT_TRUE(wants_html("text/html"));
  EXPECT_TRUE(wants_html("TEXT/HTML; charset=utf-8"));
  EXPECT_TRUE(wants_html("text/plain;q=0.5, text/html"));
  EXPECT_TRUE(wants_html("text/plain, text/html"));  // a tie goes to the page
  EXPECT_TRUE(wants_html("application/xhtml+xml"));
}

TEST(AcceptHeader, CurlWildcardsAndPlainTextGetText) {
  EXPECT_FALSE(wants_html(""));
  EXPECT_FALSE(wants_html("*/*"));
  EXPECT_FALSE(wants_html("text/*"));
  EXPECT_FALSE(wants_html("text/plain"));
  EXPECT_FALSE(wants_html("application/json"));
  EXPECT_FALSE(wants_html("text/html;q=0.5, text/plain"));
  EXPECT_FALSE(wants_html("text/html;q=0"));
  EXPECT_FALSE(wants_html("text/html;q=bogus"));
}

TEST(AcceptHeader, QualityIsReadFromAnyParameterPosition) {
  EXPECT_TRUE(wants_html(" text/html ; level=1 ; q=0.9 , text/plain;q=0.8"));
  EXPECT_TRUE(wants_html("text/html;Q=1, text/plain;q=1"));
  EXPECT_FALSE(wants_html("text/html;level=1;q=0.2, text/plain;q=0.3"));
  // q above 1 is out of range: read as 1, a tie.
  EXPECT_TRUE(wants_html("text/html;q=7, text/plain"));
}

TEST(AcceptHeader, MalformedHeadersFallBackToText) {
  EXPECT_FALSE(wants_html(",,,;;;"));
  EXPECT_FALSE(wants_html("text/html;q="));
  EXPECT_FALSE(wants_html("text/html;q=0.5x"));
  EXPECT_FALSE(wants_html("text/htmlx"));
  EXPECT_FALSE(wants_html(";q=1"));
}

}  // namespace
}  // namespace opsagent::web

#include "core/resource/resource.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/app/app.hpp"
#include "core/auth/bootstrap.hpp"
#include "core/codec/validate.hpp"
#include "core/store/sqlite/sqlite_store.hpp"
#include "core/util/json.hpp"
#include "testing/test_env.hpp"

namespace scwd::resource {
namespace {

namespace json = boost::json;
using api::ApiError;

// A kind declared on the SSH key paths of the SDK catalogue (so that the catalogue's
// conventions apply), with a child kind to exercise the batch prefetch.
constexpr std::string_view kThing = "test.thing";
constexpr std::string_view kPart = "test.part";
constexpr app::Permission kRead{"Test", app::Access::kRead, "thing"};
constexpr app::Permission kWrite{"Test", app::Access::kWrite, "thing"};
const quota::Quota kThingsQuota{"things", {kThing}, 3};

class Module : public app::Module {
 public:
  explicit Module(Spec spec) : spec_(std::move(spec)) {}
  std::string_view name() const override { return "test"; }
  void register_routes(app::Registry& r, app::Services&) override { add_resource(r, spec_); }

 private:
  Spec spec_;
};

Spec thing_spec() {
  return Spec{
      .kind = std::string(kThing),
      .resource = "thing",
      .id_param = "ssh_key_id",
      .collections = {"/iam/v1alpha1/ssh-keys"},
      .read = kRead,
      .write = kWrite,
      .render =
          [](const View& v, const store::Record& r) {
            return json::object{{"id", r.id},
                                {"name", r.name},
                                {"project_id", r.project_id},
                                {"disabled", bool_of(r.body, "disabled")},
                                {"parts", v.related.children(kPart, r.id).size()}};
          },
      .related = {{.kind = std::string(kPart)}},
      .list_key = "things",
      .filters = {body_bool("disabled")},
      .create = [](app::Context& ctx, store::Tx&, store::Record& r) -> std::optional<ApiError> {
        codec::BodyReader b(ctx.body);
        auto name = b.str("name", true);
        if (auto e = b.error()) return e;
        if (*name == "refused") return ApiError::constraint("name", "refused");
        r.name = *name;
        r.body = json::object{{"disabled", false}};
        return std::nullopt;
      },
      .quota = kThingsQuota,
      .patch = {{"name", PatchField::As::kName}, {"disabled", PatchField::As::kBool}},
      .can_delete = [](app::Context&, store::Tx&,
                       const store::Record& r) -> std::optional<ApiError> {
        if (bool_of(r.body, "disabled"))
          return ApiError::precondition_failed("resource_still_in_use", "disabled");
        return std::nullopt;
      },
  };
}

class ResourceTest : public ::testing::Test, protected testing::BareApp {
 protected:
  void SetUp() override {
    open();
    app_->add_module(std::make_unique<Module>(thing_spec()));
    app_->finalize();
  }

  struct Reply {
    int status;
    json::value body;
    http::Response res;
  };

  Reply call(std::string method, std::string target, std::string body = {}) {
    http::Request req;
    req.method = std::move(method);
    req.target = std::move(target);
    EXPECT_TRUE(http::parse_target(req.target, req.path, req.query));
    req.headers.emplace_back("X-Auth-Token", identity_.secret_key);
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = std::move(body);
    req.request_id = new_uuid();
    auto res = app_->handle(req);
    Reply r{res.status, nullptr, res};
    if (!res.body.empty()) r.body = json::parse(res.body);
    return r;
  }

  std::string create(std::string name) {
    auto r = call("POST", "/iam/v1alpha1/ssh-keys", R"({"name":")" + name + R"("})");
    EXPECT_EQ(r.status, 200) << r.res.body;
    clock_.advance(1000);
    return std::string(r.body.at("id").as_string());
  }

  std::int64_t stored() {
    auto tx = store_->begin(store::TxMode::kRead);
    store::ListQuery q;
    q.kind = std::string(kThing);
    return tx->list(q).total;
  }
};

TEST_F(ResourceTest, CreateGetUpdateDelete) {
  auto id = create("first");
  auto got = call("GET", "/iam/v1alpha1/ssh-keys/" + id);
  ASSERT_EQ(got.status, 200) << got.res.body;
  EXPECT_EQ(got.body.at("name").as_string(), "first");
  EXPECT_EQ(got.body.at("project_id").as_string(), identity_.project_id);

  auto patched = call("PATCH", "/iam/v1alpha1/ssh-keys/" + id, R"({"name":"renamed"})");
  ASSERT_EQ(patched.status, 200) << patched.res.body;
  EXPECT_EQ(patched.body.at("name").as_string(), "renamed");
  EXPECT_EQ(patched.body.at("disabled").as_bool(), false);

  EXPECT_EQ(call("DELETE", "/iam/v1alpha1/ssh-keys/" + id).status, 204);
  auto gone = call("GET", "/iam/v1alpha1/ssh-keys/" + id);
  EXPECT_EQ(gone.status, 404);
  EXPECT_EQ(gone.body.at("resource").as_string(), "thing");
  EXPECT_EQ(gone.body.at("resource_id").as_string(), id);
}

TEST_F(ResourceTest, MalformedIdAnswersTheDeclaredError) {
  auto r = call("GET", "/iam/v1alpha1/ssh-keys/not-a-uuid");
  EXPECT_EQ(r.status, 400) << r.res.body;
  EXPECT_EQ(r.body.at("details").at(0).at("argument_name").as_string(), "ssh_key_id");
}

TEST_F(ResourceTest, RefusedCreateChangesNothing) {
  auto r = call("POST", "/iam/v1alpha1/ssh-keys", R"({"name":"refused"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(stored(), 0);
}

TEST_F(ResourceTest, QuotaIsCheckedOnCreate) {
  for (auto n : {"a", "b", "c"}) create(n);
  auto r = call("POST", "/iam/v1alpha1/ssh-keys", R"({"name":"d"})");
  EXPECT_EQ(r.status, 403) << r.res.body;
  EXPECT_EQ(r.body.at("type").as_string(), "quotas_exceeded");
  EXPECT_EQ(stored(), 3);
}

TEST_F(ResourceTest, CanDeleteRefusesAndKeepsTheRecord) {
  auto id = create("busy");
  ASSERT_EQ(call("PATCH", "/iam/v1alpha1/ssh-keys/" + id, R"({"disabled":true})").status, 200);
  auto r = call("DELETE", "/iam/v1alpha1/ssh-keys/" + id);
  EXPECT_EQ(r.status, 412) << r.res.body;
  EXPECT_EQ(stored(), 1);
}

TEST_F(ResourceTest, ListFiltersOrdersAndPages) {
  create("alpha");
  auto b = create("beta");
  create("alphabet");
  ASSERT_EQ(call("PATCH", "/iam/v1alpha1/ssh-keys/" + b, R"({"disabled":true})").status, 200);

  auto all = call("GET", "/iam/v1alpha1/ssh-keys?order_by=name_desc&page_size=2");
  ASSERT_EQ(all.status, 200) << all.res.body;
  EXPECT_EQ(all.body.at("total_count").as_int64(), 3);
  auto& items = all.body.at("things").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("name").as_string(), "beta");
  EXPECT_EQ(items[1].at("name").as_string(), "alphabet");

  auto named = call("GET", "/iam/v1alpha1/ssh-keys?name=ALPHA");
  EXPECT_EQ(named.body.at("total_count").as_int64(), 2);
  auto disabled = call("GET", "/iam/v1alpha1/ssh-keys?disabled=true");
  EXPECT_EQ(disabled.body.at("total_count").as_int64(), 1);
  auto other = call("GET", "/iam/v1alpha1/ssh-keys?project_id=" + new_uuid());
  EXPECT_EQ(other.body.at("total_count").as_int64(), 0);
  auto bad = call("GET", "/iam/v1alpha1/ssh-keys?project_id=x");
  EXPECT_EQ(bad.status, 400);
}

TEST_F(ResourceTest, RenderSeesPrefetchedChildren) {
  auto a = create("a");
  auto b = create("b");
  store_->write([&](store::Tx& tx) {
    for (auto parent : {a, a, b}) {
      store::Record p;
      p.kind = std::string(kPart);
      p.id = new_uuid();
      p.organization_id = identity_.organization_id;
      p.parent_id = parent;
      tx.insert(p);
    }
    return true;
  });
  auto list = call("GET", "/iam/v1alpha1/ssh-keys");
  ASSERT_EQ(list.status, 200);
  auto& items = list.body.at("things").as_array();
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].at("parts").as_int64(), 2);
  EXPECT_EQ(items[1].at("parts").as_int64(), 1);
  EXPECT_EQ(call("GET", "/iam/v1alpha1/ssh-keys/" + b).body.at("parts").as_int64(), 1);
}

TEST_F(ResourceTest, PrefetchFollowsAnEarlierRelation) {
  // A part names a label; a relation `via` the parts loads the labels of a thing's parts.
  auto a = create("a");
  auto label = new_uuid();
  store_->write([&](store::Tx& tx) {
    store::Record l;
    l.kind = "test.label";
    l.id = label;
    l.organization_id = identity_.organization_id;
    tx.insert(l);
    store::Record p;
    p.kind = std::string(kPart);
    p.id = new_uuid();
    p.organization_id = identity_.organization_id;
    p.parent_id = a;
    p.body = json::object{{"label_id", label}};
    tx.insert(p);
    return true;
  });
  auto spec = thing_spec();
  spec.related.push_back(
      {.kind = "test.label",
       .ids = [](const store::Record& p,
                 std::vector<std::string>& ids) { ids.push_back(str_of(p.body, "label_id")); },
       .via = std::string(kPart)});
  auto tx = store_->begin(store::TxMode::kRead);
  auto thing = tx->get(kThing, a);
  ASSERT_TRUE(thing);
  auto pre = prefetch(*tx, spec, {*thing});
  EXPECT_NE(pre.find("test.label", label), nullptr);
  EXPECT_EQ(pre.all(kPart).size(), 1u);
}

// A relation by a dotted body path: parts naming their thing in {"owner": {"id": ...}}.
TEST_F(ResourceTest, PrefetchFollowsDottedBackPaths) {
  auto a = create("a");
  store_->write([&](store::Tx& tx) {
    store::Record p;
    p.kind = std::string(kPart);
    p.id = new_uuid();
    p.organization_id = identity_.organization_id;
    p.body = json::object{{"owner", json::object{{"id", a}}}};
    tx.insert(p);
    return true;
  });
  Spec spec;
  spec.related = {{std::string(kPart), {}, "owner.id"}};
  auto tx = store_->begin(store::TxMode::kRead);
  auto thing = tx->get(kThing, a);
  ASSERT_TRUE(thing);
  auto pre = prefetch(*tx, spec, {*thing});
  EXPECT_EQ(pre.children(kPart, a).size(), 1u);
}

// The order_by values a list publishes come in its order; created_at, updated_at and name sort by
// convention, the declared fields by what they name, and an undeclared one is refused at start.
TEST(PublishedOrders, FollowTheCatalogueAndTheDeclaredFields) {
  static constexpr std::string_view kValues[] = {"status_desc", "created_at_asc", "name_desc",
                                                 "version_asc", "unknown"};
  static const sdk::Field kQuery[] = {
      {"order_by", sdk::FieldKind::kEnum, false, kValues, sdk::Rules{}}};
  sdk::Operation op{};
  op.query = kQuery;
  auto orders = published_orders(
      &op, {{"status", store::Column::kState}, {"version", store::Column::kBody, "spec.version"}});
  ASSERT_EQ(orders.size(), 4u);
  EXPECT_EQ(orders[0].value, "status_desc");  // the first is the default
  EXPECT_EQ(orders[0].column, store::Column::kState);
  EXPECT_TRUE(orders[0].descending);
  EXPECT_EQ(orders[1].column, store::Column::kCreatedAt);
  EXPECT_EQ(orders[2].column, store::Column::kName);
  EXPECT_EQ(orders[3].column, store::Column::kBody);
  EXPECT_EQ(orders[3].body_path, "spec.version");
  EXPECT_FALSE(orders[3].descending);

  EXPECT_THROW(published_orders(&op, {{"status", store::Column::kState}}, "test"),
               std::logic_error);
  auto none = published_orders(nullptr);
  ASSERT_EQ(none.size(), 1u);
  EXPECT_EQ(none[0].value, "created_at_asc");
}

}  // namespace
}  // namespace scwd::resource

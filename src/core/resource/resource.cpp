#include "core/resource/resource.hpp"

#include <algorithm>
#include <set>

#include "core/codec/validate.hpp"
#include "core/util/ids.hpp"
#include "core/util/json.hpp"

namespace scwd::resource {

namespace json = boost::json;
using api::ApiError;
using api::ArgReason;
using api::Result;
using app::Context;
using http::Response;
using store::Column;
using store::Op;

// --- prefetch ---

const store::Record* Prefetch::find(std::string_view kind, std::string_view id) const {
  auto k = by_kind_.find(kind);
  if (k == by_kind_.end()) return nullptr;
  auto r = k->second.find(id);
  return r == k->second.end() ? nullptr : &r->second;
}

std::vector<const store::Record*> Prefetch::children(std::string_view kind,
                                                     std::string_view id) const {
  std::vector<const store::Record*> out;
  auto o = owned_.find(std::pair<std::string, std::string>(kind, id));
  if (o == owned_.end()) return out;
  for (auto& child : o->second)
    if (auto* r = find(kind, child)) out.push_back(r);
  std::sort(out.begin(), out.end(), [](auto* x, auto* y) {
    return x->created_at != y->created_at ? x->created_at < y->created_at : x->id < y->id;
  });
  return out;
}

std::vector<const store::Record*> Prefetch::all(std::string_view kind) const {
  std::vector<const store::Record*> out;
  if (auto k = by_kind_.find(kind); k != by_kind_.end())
    for (auto& [id, r] : k->second) out.push_back(&r);
  return out;
}

void Prefetch::add(store::Record r, std::string owner) {
  if (!owner.empty()) owned_[{r.kind, std::move(owner)}].push_back(r.id);
  auto& m = by_kind_[r.kind];
  auto id = r.id;
  m.insert_or_assign(std::move(id), std::move(r));
}

namespace {

// The string at a dotted body path ("security_group.id"), as the store's body filters read it.
std::string str_at(const json::object& o, std::string_view path) {
  auto dot = path.find('.');
  if (dot == std::string_view::npos) return str_of(o, path);
  auto it = o.find(path.substr(0, dot));
  if (it == o.end() || !it->value().is_object()) return {};
  return str_at(it->value().get_object(), path.substr(dot + 1));
}

}  // namespace

Prefetch prefetch(store::Tx& tx, const Spec& spec, const std::vector<store::Record>& items) {
  Prefetch out;
  if (items.empty()) return out;
  for (auto& rel : spec.related) {
    if (rel.load) {
      rel.load(tx, items, out);
      continue;
    }
    std::set<std::string> ids;
    if (rel.ids) {
      std::vector<std::string> named;
      if (rel.via.empty())
        for (auto& r : items) rel.ids(r, named);
      else
        for (auto* r : out.all(rel.via)) rel.ids(*r, named);
      for (auto& id : named)
        if (!id.empty()) ids.insert(id);
    } else {
      for (auto& r : items) ids.insert(r.id);
    }
    if (ids.empty()) continue;
    store::ListQuery q;
    q.kind = rel.kind;
    std::vector<std::string> values(ids.begin(), ids.end());
    if (rel.ids)
      q.filters.push_back({Column::kId, Op::kIn, std::move(values), {}, false});
    else if (rel.back_path.empty())
      q.filters.push_back({Column::kParent, Op::kIn, std::move(values), {}, false});
    else
      q.filters.push_back({Column::kBody, Op::kIn, std::move(values), rel.back_path, false});
    q.with_total = false;
    for (auto& r : tx.list(q).items) {
      std::string owner;
      if (!rel.ids) owner = rel.back_path.empty() ? r.parent_id : str_at(r.body, rel.back_path);
      out.add(std::move(r), std::move(owner));
    }
  }
  return out;
}

json::value answer(const Context& ctx, store::Tx& tx, const Spec& spec, const store::Record& r) {
  auto pre = prefetch(tx, spec, {r});
  auto o = spec.render(View{ctx, pre}, r);
  if (spec.envelope.empty()) return o;
  return json::object{{spec.envelope, std::move(o)}};
}

// --- loading ---

namespace {

std::string_view locality_of(const Context& ctx, const Spec& spec) {
  switch (spec.locality) {
    case Locality::kZone:
      return ctx.zone();
    case Locality::kRegion:
      return ctx.region();
    case Locality::kGlobal:
      break;
  }
  return {};
}

}  // namespace

Result<std::string> path_id(const Context& ctx, const Spec& spec) {
  auto v = ctx.param(spec.id_param);
  if (spec.id_ok) {
    if (spec.id_ok(v)) return std::string(v);
  } else if (is_uuid(v)) {
    return to_lower(v);
  }
  if (spec.bad_id == BadId::kNotFound) {
    if (spec.missing)
      if (auto e = spec.missing(ctx, v, false)) return api::fail(*e);
    return api::fail(ApiError::not_found(spec.resource, v));
  }
  return api::fail(ApiError::invalid_argument(spec.id_param, spec.bad_id_reason, spec.bad_id_help));
}

Filter matching(std::string param,
                std::function<bool(const store::Record&, std::string_view value)> keep) {
  auto fn = [param, keep = std::move(keep)](const Context& ctx,
                                            store::ListQuery& q) -> std::optional<ApiError> {
    auto* value = ctx.query(param);
    if (!value || value->empty()) return std::nullopt;
    store::ListQuery all;
    all.kind = q.kind;
    for (auto& f : q.filters)
      if (f.column == Column::kOrganization || f.column == Column::kLocality)
        all.filters.push_back(f);
    all.with_total = false;
    std::vector<std::string> ids;
    auto tx = ctx.store().begin(store::TxMode::kRead);
    for (auto& r : tx->list(all).items)
      if (keep(r, *value)) ids.push_back(r.id);
    q.filters.push_back({Column::kId, Op::kIn, std::move(ids), {}, false});
    return std::nullopt;
  };
  return custom(std::move(param), std::move(fn));
}

Result<store::Record> load(const Context& ctx, store::Tx& tx, const Spec& spec, bool write) {
  auto id = path_id(ctx, spec);
  if (!id) return api::fail(id.error());
  auto rid = spec.resolve ? spec.resolve(tx, *id) : std::optional<std::string>(*id);
  std::optional<store::Record> r;
  if (rid && write) {
    r = ctx.svc.lifecycle.load(tx, spec.kind, *rid);
  } else if (rid && ctx.target && ctx.target->kind == spec.kind && ctx.target->id == *rid) {
    r = ctx.target;  // loaded once, by the authorizer; seen settled like any read
    if (lifecycle::Engine::view(*r, ctx.now()) && r->state == lifecycle::kDeleted) r.reset();
  } else if (rid) {
    r = tx.get(spec.kind, *rid);
  }
  if (!r || r->organization_id != ctx.principal.organization_id ||
      (spec.locality != Locality::kGlobal && r->locality != locality_of(ctx, spec))) {
    if (spec.missing)
      if (auto e = spec.missing(ctx, *id, write)) return api::fail(*e);
    if (spec.missing_stored)
      if (auto e = spec.missing_stored(ctx, tx, *id, write)) return api::fail(*e);
    return api::fail(ApiError::not_found(spec.resource, *id));
  }
  return std::move(*r);
}

// --- routes ---

namespace {

struct Route {
  std::shared_ptr<const Spec> spec;
  std::string collection;                   // this version's collection path
  const sdk::Operation* list_op = nullptr;  // the SDK's list operation, for conventions
  std::vector<paging::OrderChoice> orders;  // accepted order_by values, default first
  std::string link;                         // legacy lists: Link paths, relative to the zone
};

const sdk::Operation* find_op(std::string_view method, std::string_view path) {
  for (auto& op : sdk::operations())
    if (op.method == method && op.path == path) return &op;
  return nullptr;
}

bool has_query(const sdk::Operation* op, std::string_view name) {
  if (!op) return false;
  for (auto& f : op->query)
    if (f.name == name) return true;
  return false;
}

}  // namespace

std::vector<paging::OrderChoice> published_orders(const sdk::Operation* op,
                                                  std::span<const OrderField> fields,
                                                  std::string_view what) {
  std::vector<paging::OrderChoice> out;
  if (op)
    for (auto& f : op->query) {
      if (f.name != "order_by") continue;
      for (auto v : f.enum_values) {
        bool desc = v.ends_with("_desc");
        if (!desc && !v.ends_with("_asc")) continue;
        auto field = v.substr(0, v.size() - (desc ? 5 : 4));
        if (field == "created_at") {
          out.push_back({v, Column::kCreatedAt, desc});
        } else if (field == "updated_at") {
          out.push_back({v, Column::kUpdatedAt, desc});
        } else if (field == "name") {
          out.push_back({v, Column::kName, desc});
        } else {
          auto it = std::find_if(fields.begin(), fields.end(),
                                 [&](const OrderField& o) { return o.field == field; });
          if (it == fields.end())
            throw std::logic_error(std::string(what) + ": order_by " + std::string(v) +
                                   " needs an order field");
          out.push_back({v, it->column, desc, it->body_path});
        }
      }
    }
  if (out.empty()) out.push_back({"created_at_asc", Column::kCreatedAt, false});
  return out;
}

namespace {

bool declares(const Spec& spec, std::string_view param) {
  return std::any_of(spec.filters.begin(), spec.filters.end(),
                     [&](auto& f) { return f.param == param; });
}

std::optional<ApiError> apply_filter(const Context& ctx, const Filter& f, store::ListQuery& q) {
  if (f.as == Filter::As::kCustom) return f.custom(ctx, q);
  if (f.as == Filter::As::kUuids) return ctx.uuid_filter(q, f.param, f.column, f.path);
  if (f.as == Filter::As::kTagsAll) {
    for (auto& t : ctx.query_all(f.param))
      if (!t.empty()) q.tags_all.push_back(t);
    return std::nullopt;
  }
  if (f.as == Filter::As::kBool) {
    if (auto v = ctx.query_bool(f.param)) q.filters.push_back({f.column, Op::kEq, {*v}, f.path});
    return std::nullopt;
  }
  auto* v = ctx.query(f.param);
  if (!v || v->empty()) return std::nullopt;
  q.filters.push_back(
      {f.column, f.as == Filter::As::kContains ? Op::kContains : Op::kEq, {*v}, f.path, false});
  return std::nullopt;
}

Result<Response> list(const Route& rt, Context& ctx) {
  const Spec& spec = *rt.spec;
  if (auto e = ctx.check_organization_filter(spec.resource)) return api::fail(*e);
  auto page = spec.paging == Paging::kLegacy
                  ? paging::read_legacy(ctx.req)
                  : paging::read(ctx.req, "page_size", spec.default_page_size, spec.max_page_size);
  if (!page) return api::fail(page.error());
  auto order = paging::order(ctx.req, rt.orders);
  if (!order) return api::fail(order.error());
  store::ListQuery q;
  q.kind = spec.kind;
  q.filters.push_back({Column::kOrganization, Op::kEq, {ctx.principal.organization_id}, {}, false});
  if (spec.locality != Locality::kGlobal)
    q.filters.push_back(
        {Column::kLocality, Op::kEq, {std::string(locality_of(ctx, spec))}, {}, false});
  if (spec.scope_by_id)
    ctx.scope(q, Column::kId);
  else if (!spec.organization_level)
    ctx.scope(q);
  if (has_query(rt.list_op, "project_id") && !declares(spec, "project_id"))
    if (auto e = ctx.uuid_filter(q, "project_id", Column::kProject)) return api::fail(*e);
  if (has_query(rt.list_op, "name") && !declares(spec, "name"))
    if (auto* name = ctx.query("name"); name && !name->empty())
      q.filters.push_back({Column::kName, Op::kContains, {*name}, {}, false});
  if (has_query(rt.list_op, "tags") && !declares(spec, "tags"))
    for (auto& t : ctx.query_all("tags"))
      if (!t.empty()) (spec.tags_all ? q.tags_all : q.tags_any).push_back(t);
  for (auto& f : spec.filters)
    if (auto e = apply_filter(ctx, f, q)) return api::fail(*e);
  q.order = std::move(*order);
  paging::apply(q, *page);
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto res = tx->list(q);
  auto pre = prefetch(*tx, spec, res.items);
  json::array items;
  items.reserve(res.items.size());
  View view{ctx, pre};
  for (auto& r : res.items) items.push_back(spec.render(view, r));
  if (spec.paging == Paging::kPage)
    return Response::json(200, paging::list_body(spec.list_key, std::move(items), res.total));
  json::object body{{spec.list_key, std::move(items)}};
  if (spec.total_in_body) body["total_count"] = res.total;
  auto out = Response::json(200, std::move(body));
  paging::legacy_headers(out, ctx.req, rt.link, *page, res.total);
  return out;
}

Result<Response> get(const Route& rt, Context& ctx) {
  auto tx = ctx.store().begin(store::TxMode::kRead);
  auto r = load(ctx, *tx, *rt.spec);
  if (!r) return api::fail(r.error());
  return Response::json(200, answer(ctx, *tx, *rt.spec, *r));
}

std::optional<std::string> body_string(const Context& ctx, const std::string& field) {
  if (field.empty()) return std::nullopt;
  auto it = ctx.body.find(field);
  if (it == ctx.body.end() || !it->value().is_string()) return std::nullopt;
  return std::string(it->value().get_string());
}

// Organization-level records: the organization named must be the caller's own.
Result<app::Owner> organization_owner(const Context& ctx, const std::optional<std::string>& given,
                                      const std::string& field) {
  const auto& org = ctx.principal.organization_id;
  if (given && !given->empty()) {
    if (!is_uuid(*given))
      return api::fail(
          ApiError::invalid_argument(field, ArgReason::kFormat, "value must be a valid UUID"));
    if (to_lower(*given) != org) return api::fail(ctx.denied());
  }
  return app::Owner{org, {}};
}

// Who a new record belongs to: the spec's own rule, the caller's organization, or the body's
// project (or organization).
Result<app::Owner> owner_of(const Spec& spec, Context& ctx, store::Tx& tx) {
  if (spec.owner) return spec.owner(ctx, tx);
  if (spec.organization_level)
    return organization_owner(ctx, body_string(ctx, spec.organization_field),
                              spec.organization_field);
  return app::resolve_owner(ctx, tx, body_string(ctx, spec.project_field),
                            body_string(ctx, spec.organization_field), spec.project_field,
                            spec.organization_field, spec.resource);
}

std::string name_key(const store::Record& r) { return "name:" + r.organization_id + ":" + r.name; }

// Writes r (insert or update), answering already_exists when its unique name is taken.
std::optional<ApiError> write(store::Tx& tx, const Spec& spec, store::Record& r, bool insert) {
  if (!spec.unique_name_help.empty()) {
    std::erase_if(r.keys, [](auto& k) { return k.starts_with("name:"); });
    r.keys.push_back(name_key(r));
  }
  try {
    insert ? tx.insert(r) : tx.update(r);
  } catch (const store::DuplicateKey&) {
    // Another key of the record (an address the spec's hook found free) was taken meanwhile, by
    // a concurrent writer (another replica): the whole write runs again, and the hook then sees
    // the winner (the next free address, or its own "already taken" answer).
    if (spec.unique_name_help.empty()) throw store::Conflict("a unique key was taken meanwhile");
    auto taken = tx.get_by_key(spec.kind, name_key(r));
    return ApiError::already_exists(spec.resource, taken ? taken->id : r.id, spec.unique_name_help);
  }
  return std::nullopt;
}

Result<Response> create(const Route& rt, Context& ctx) {
  const Spec& spec = *rt.spec;
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto owner = owner_of(spec, ctx, tx);
    if (!owner) return api::fail(owner.error());
    if (spec.quota)
      if (auto e = quota::check(tx, ctx.svc.config, *spec.quota, owner->organization_id))
        return api::fail(*e);
    store::Record r;
    r.kind = spec.kind;
    r.id = spec.new_id ? spec.new_id() : new_uuid();
    r.organization_id = owner->organization_id;
    r.project_id = owner->project_id;
    r.locality = std::string(locality_of(ctx, spec));
    r.created_at = r.updated_at = ctx.now();
    if (auto e = spec.create(ctx, tx, r)) return api::fail(*e);
    if (auto e = write(tx, spec, r, true)) return api::fail(*e);
    auto body = answer(ctx, tx, spec, r);
    for (auto& [k, v] : ctx.answer_extra)
      (spec.envelope.empty() ? body.as_object() : body.as_object()[spec.envelope].as_object())[k] =
          v;
    auto res = Response::json(spec.create_status, std::move(body));
    if (spec.create_status == 201) res.with_header("Location", ctx.url(ctx.req.path + "/" + r.id));
    return res;
  });
}

Result<Response> update(const Route& rt, Context& ctx) {
  const Spec& spec = *rt.spec;
  codec::BodyReader b(ctx.body);
  struct Value {
    const PatchField* field;
    std::optional<std::string> s;
    std::optional<bool> flag;
    std::optional<std::int64_t> n;
    std::optional<std::vector<std::string>> list;
  };
  std::vector<Value> values;
  for (auto& f : spec.patch) {
    Value v{&f, {}, {}, {}, {}};
    switch (f.as) {
      case PatchField::As::kName:
      case PatchField::As::kString:
        v.s = b.str(f.field);
        break;
      case PatchField::As::kBool:
        v.flag = b.boolean(f.field);
        break;
      case PatchField::As::kInteger:
        v.n = b.integer(f.field);
        break;
      case PatchField::As::kTags:
      case PatchField::As::kStrings:
        v.list = b.strings(f.field);
        break;
    }
    values.push_back(std::move(v));
  }
  if (auto e = b.error()) return api::fail(*e);
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    for (auto& v : values) {
      const auto& path = v.field->path.empty() ? v.field->field : v.field->path;
      switch (v.field->as) {
        case PatchField::As::kName:
          if (v.s) r->name = *v.s;
          break;
        case PatchField::As::kTags:
          if (v.list) r->tags = *v.list;
          break;
        case PatchField::As::kString:
          if (v.s) r->body[path] = *v.s;
          break;
        case PatchField::As::kBool:
          if (v.flag) r->body[path] = *v.flag;
          break;
        case PatchField::As::kInteger:
          if (v.n) r->body[path] = *v.n;
          break;
        case PatchField::As::kStrings:
          if (v.list) {
            json::array a;
            for (auto& s : *v.list) a.emplace_back(s);
            r->body[path] = std::move(a);
          }
          break;
      }
    }
    if (spec.update)
      if (auto e = spec.update(ctx, tx, *r)) return api::fail(*e);
    r->updated_at = ctx.now();
    if (auto e = write(tx, spec, *r, false)) return api::fail(*e);
    return Response::json(200, answer(ctx, tx, spec, *r));
  });
}

Result<Response> act(const Route& rt, const Action& action, Context& ctx) {
  const Spec& spec = *rt.spec;
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    if (auto e = action.change(ctx, tx, *r)) return api::fail(*e);
    r->updated_at = ctx.now();
    if (auto e = write(tx, spec, *r, false)) return api::fail(*e);
    return Response::json(200, answer(ctx, tx, spec, *r));
  });
}

Result<Response> remove(const Route& rt, Context& ctx) {
  const Spec& spec = *rt.spec;
  return ctx.store().transact(store::TxMode::kWrite, [&](store::Tx& tx) -> Result<Response> {
    auto r = load(ctx, tx, spec, true);
    if (!r) return api::fail(r.error());
    if (spec.can_delete)
      if (auto e = spec.can_delete(ctx, tx, *r)) return api::fail(*e);
    if (spec.on_delete)
      if (auto e = spec.on_delete(ctx, tx, *r)) return api::fail(*e);
    tx.remove(spec.kind, r->id);
    return Response::no_content();
  });
}

}  // namespace

void add_resource(app::Registry& reg, std::shared_ptr<const Spec> spec) {
  for (auto& collection : spec->collections) {
    auto rt = std::make_shared<Route>();
    rt->spec = spec;
    rt->collection = collection;
    rt->list_op = find_op("GET", collection);
    rt->orders = spec->orders.empty()
                     ? published_orders(rt->list_op, spec->order_fields, "resource " + spec->kind)
                     : spec->orders;
    auto zone_root = collection.find("/{zone}");
    rt->link = zone_root == std::string::npos ? collection : collection.substr(zone_root + 7);
    auto item = collection + "/{" + spec->id_param + "}";
    auto bind = [rt](Result<Response> (*fn)(const Route&, Context&)) {
      return [rt, fn](Context& ctx) { return fn(*rt, ctx); };
    };
    auto with = [](app::RouteSpec& route, const Refs& refs) {
      route.refs(refs.refs).not_refs(refs.not_refs);
    };
    if (!spec->list_key.empty())
      with(reg.add("GET", collection, spec->read, bind(list)), spec->list_refs);
    if (spec->create)
      with(reg.add("POST", collection, spec->write, bind(create)), spec->create_refs);
    if (spec->gettable) reg.add("GET", item, spec->read, bind(get));
    if (!spec->patch.empty() || spec->update)
      with(reg.add(spec->update_method, item, spec->update_permission.value_or(spec->write),
                   bind(update)),
           spec->update_refs);
    if (spec->deletable) reg.add("DELETE", item, spec->write, bind(remove));
    for (std::size_t i = 0; i < spec->actions.size(); ++i) {
      auto& a = spec->actions[i];
      with(reg.add(a.method, item + "/" + a.suffix, a.permission.value_or(spec->write),
                   [rt, i](Context& ctx) { return act(*rt, rt->spec->actions[i], ctx); }),
           a.refs);
    }
  }
}

}  // namespace scwd::resource

// The VPC model rendered as the EC2 API's JSON (the shapes `aws ec2 describe-*` prints).
#pragma once

#include <nlohmann/json.hpp>

#include "endpoints/region_catalog.hpp"
#include "routing/vpc_model.hpp"

namespace vpclab::router {

nlohmann::ordered_json vpc_json(const routing::VpcModel& m, const routing::Vpc& v);
nlohmann::ordered_json subnet_json(const routing::VpcModel& m, const routing::Subnet& s);
nlohmann::ordered_json route_table_json(const routing::VpcModel& m, const routing::RouteTable& t);
nlohmann::ordered_json security_group_json(const routing::VpcModel& m, const routing::SecurityGroup& g);
nlohmann::ordered_json internet_gateway_json(const routing::VpcModel& m, const routing::InternetGateway& g);
nlohmann::ordered_json instance_json(const routing::VpcModel& m, const routing::Instance& i);
nlohmann::ordered_json elastic_ip_json(const routing::VpcModel& m, const routing::ElasticIp& e);
nlohmann::ordered_json managed_prefix_list_json(const std::string& region, const endpoints::RegionService& service);

}  // namespace vpclab::router

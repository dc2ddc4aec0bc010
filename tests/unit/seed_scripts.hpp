// Test data: the seed labs' UserData scripts, verbatim, for the tests that read and carry them out.
#pragma once

namespace vpclab::test {

// The second seed lab's web server UserData (labs/privatelink-lab.yaml, jhCustomWeb1EC2).
constexpr const char* seed_web_user_data = R"(#!/bin/bash
(
echo "qwe123"
echo "qwe123"
) | passwd --stdin root
sed -i "s/^PasswordAuthentication no/PasswordAuthentication yes/g" /etc/ssh/sshd_config
sed -i "s/^#PermitRootLogin yes/PermitRootLogin yes/g" /etc/ssh/sshd_config
service sshd restart
yum install -y httpd
systemctl start httpd && systemctl enable httpd
echo "<html><h1>Endpoint Service Lab - CloudNeta Web Server 1</h1></html>" > /var/www/html/index.html
)";

}  // namespace vpclab::test

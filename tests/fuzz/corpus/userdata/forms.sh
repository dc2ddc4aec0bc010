echo 'ec2-user:pw1' | chpasswd
cat > /var/www/html/index.html <<'MARK'
<h1>$HOME</h1>
MARK
echo more >> /var/www/html/index.html
mkdir -p /var/www/html/app
apt-get install -y nginx
systemctl enable --now nginx.service
sed -i -e "s|no|yes|g" /etc/ssh/sshd_config
